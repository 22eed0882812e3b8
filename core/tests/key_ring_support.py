"""Tests compress a key change into one process: this says "the processes that ran with the
keys before are gone", as they are once a deployment has replaced them for a while."""

import json

from core import key_rings


def forget_cached_choice(*also) -> None:
    """Every encrypted storage of this process reads the records again at its next write
    (in production it does so once a minute; tests may hold more than one instance)."""
    from django.apps import apps
    from django.core.files.storage import storages

    from core.encrypted_storage import EncryptedStorage

    instances = [*also, storages["private"]] + [
        field.storage for model in apps.get_models() for field in model._meta.fields
        if isinstance(getattr(field, "storage", None), EncryptedStorage)]
    for storage in instances:
        if isinstance(storage, EncryptedStorage):
            storage._noted = storage._decided = None


def previous_deployment_gone(storage) -> None:
    """Age every recorded ring past the active window; forget the storages' cached choice."""
    inner = storage.inner
    later = key_rings.ACTIVE_WINDOW + key_rings.HEARTBEAT
    for record in key_rings.read_rings(inner):
        key_rings.overwrite(inner, key_rings.ring_name(record.keys), json.dumps({
            "keys": record.keys, "first_seen": (record.first_seen - later).isoformat(),
            "last_seen": (record.last_seen - later).isoformat(), "seen_by": record.seen_by,
        }).encode())
    forget_cached_choice(storage)
