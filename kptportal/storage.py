"""Where customer files live. Use ``private_storage`` for every customer file field.

It resolves ``settings.STORAGES["private"]`` at call time, so tests and the encryption layer
(documents' encrypted storage wraps the configured backend) apply everywhere at once.
"""

from django.core.files.storage import storages


def private_storage():
    return storages["private"]
