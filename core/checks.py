"""Deployment checks of the portal's own settings (shown by `manage.py check --deploy`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

if TYPE_CHECKING:
    from django.apps import AppConfig


@register(Tags.security, deploy=True)
def portal_deploy_checks(app_configs: Sequence[AppConfig] | None,
                         **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = []
    if settings.SMS_BACKEND in {"console", "locmem"}:
        problems.append(Warning(
            f"SMS_BACKEND={settings.SMS_BACKEND}: login codes would be printed or kept in "
            "memory instead of being sent.", hint="Set SMS_BACKEND=twilio and TWILIO_*.",
            id="kptportal.W001"))
    if not settings.PORTAL_BASE_URL.startswith("https://"):
        problems.append(Warning(
            f"PORTAL_BASE_URL={settings.PORTAL_BASE_URL}: links sent by SMS would not point "
            "to the public HTTPS portal.", hint="Set PORTAL_BASE_URL=https://…",
            id="kptportal.W002"))
    from core.relying_party import production_problems

    for problem in production_problems(settings.PASSKEY_RP_ID, settings.PASSKEY_ORIGINS):
        problems.append(Warning(
            f"Passkeys: {problem}; they would not work on the public portal.",
            hint="Set PORTAL_BASE_URL=https://… (or PASSKEY_RP_ID and PASSKEY_ORIGINS).",
            id="kptportal.W005"))
    if not settings.ADMINS:
        problems.append(Warning(
            "DJANGO_ADMINS is not set: server errors are only logged, nobody is mailed.",
            hint="Set DJANGO_ADMINS=\"Ops <ops@…>\" and the SMTP settings (EMAIL_*).",
            id="kptportal.W003"))
    return problems


@register(Tags.security, deploy=True)
def file_key_checks(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The order of a key change (docs/operations.md, "Rotating the file keys"), from what the
    storage records: the keys each running process holds (``core.key_rings``, written by the
    processes themselves) and the last census (``rotate_file_keys``).

    E001 the keys are malformed; E002 a dropped key that files still need; E003 a first key
    that a running process does not hold yet; E004 the record cannot be read, so the order
    cannot be verified; E005 the old format's reader switched off while files need it.
    """
    from django.core.exceptions import ImproperlyConfigured

    from core import key_rings
    from core.file_keys import configured_key_ids, encrypted_storage, read_state

    try:
        ids = configured_key_ids()
        storage = encrypted_storage()
    except (ImproperlyConfigured, TypeError) as exc:
        return [Error(str(exc), id="kptportal.E001")]
    try:
        state = read_state(storage)
        rings = key_rings.read_rings(storage.inner)
    except Exception as exc:  # storage unreachable: the order cannot be verified
        return [Error(
            f"The record of the file keys in use could not be read ({type(exc).__name__}): "
            "whether a key change is safe cannot be verified.",
            hint="Make the storage reachable (STORAGE_*) before deploying; web and workers "
                 "cannot serve files without it either.", id="kptportal.E004")]
    problems: list[CheckMessage] = []
    census = state.get("census", {})
    for kid, count in sorted(census.get("files_by_key", {}).items()):
        if count and kid[:8] not in ids:
            problems.append(Error(
                f"FILE_ENCRYPTION_KEYS no longer holds key {kid[:8]}, yet {count} stored "
                "file(s) needed it at the last census: they could not be opened.",
                hint="Put the key back, run `rotate_file_keys`, then `rotate_file_keys "
                     "--check` before removing it.", id="kptportal.E002"))
    if not settings.FILE_ENCRYPTION_READ_LEGACY and (
            not census or census.get("old_format", 1)):
        counted = (f"{census['old_format']} file(s) were in the old format at the last census"
                   if census else "no census says that no file is in the old format")
        problems.append(Error(
            f"FILE_ENCRYPTION_READ_LEGACY=0 switches the old format's reader off, but {counted}.",
            hint="Keep it on, run `rotate_file_keys`, then `rotate_file_keys --check`.",
            id="kptportal.E005"))
    problems += _key_order(ids, rings, state.get("keys_seen", {}))
    return problems


def _key_order(ids: list[str], rings: list[Any], legacy_seen: dict[str, Any]) -> list[CheckMessage]:
    """E003: the first key must be held by every process running now (``core.key_rings``)."""
    from core import key_rings

    primary = ids[0]
    hint = (f"Deploy FILE_ENCRYPTION_KEYS with {primary} last (decrypt only) everywhere first; "
            f"once no process without it has been seen for "
            f"{int(key_rings.ACTIVE_WINDOW.total_seconds() // 60)} minutes, put it first.")
    if rings:
        unaware = key_rings.unaware(rings, primary)
        if unaware:
            return [Error(
                f"Key {primary} would encrypt, but running processes do not hold it: "
                f"{'; '.join(ring.describe() for ring in unaware)}. They could not read the "
                "files it writes.", hint=hint, id="kptportal.E003")]
        return []
    # No process has recorded its keys yet (the first deployment of this release).
    staged = {kid[:8]: entry for kid, entry in legacy_seen.items()}  # rotate_file_keys' record
    entry = staged.get(primary)
    if entry and ("decrypt_only_since" in entry or "encrypting_since" in entry):
        return []
    if len(ids) > 1 or staged:
        return [Error(
            f"Key {primary} would encrypt, and no running process has recorded the keys it "
            "holds yet: whether they all hold it cannot be verified.",
            hint="Deploy this release once with the key that encrypts today first (the "
                 "processes then record their keys), or run `python manage.py rotate_file_keys "
                 "--check` with the running release. " + hint, id="kptportal.E003")]
    return []
