"""Where customer files live. Use ``private_storage`` for every customer file field.

Django calls it once, when the model class is created, and keeps the storage it returns;
``settings.STORAGES["private"]`` (the encrypted storage around local disk or S3) therefore
applies everywhere, but a test that changes the setting must also re-point the field
(see ``documents.tests.factories.private_storage_follows_settings``).
"""

from django.core.files.storage import Storage, storages


def private_storage() -> Storage:
    return storages["private"]
