"""Event kinds become ``<app>.<name>``, registered by the app that records them.

Views of a claim's page were logged as document views, and the legal-protection certificate
as a document download: they get their own app's kinds. One UPDATE per kind (the table has
no index on kind, so each is a scan: run once, at deployment).
"""

from django.db import migrations

from core.model_moves import move_content_type

RENAMED = {
    "login": "accounts.login", "login_failed": "accounts.login_failed",
    "lockout": "accounts.lockout", "unlock": "accounts.unlock", "logout": "accounts.logout",
    "code_sent": "accounts.code_sent", "code_failed": "accounts.code_failed",
    "password_changed": "accounts.password_changed", "phone_changed": "accounts.phone_changed",
    "second_factor_changed": "accounts.second_factor_changed",
    "profile_changed": "accounts.profile_changed", "registration": "accounts.registration",
    "sms_failed": "accounts.sms_failed", "account_created": "accounts.account_created",
    "document_viewed": "documents.viewed", "document_downloaded": "documents.downloaded",
    "document_purged": "documents.purged", "claim_changed": "claims.changed",
    "data_exported": "exports.downloaded",
}


def namespace_kinds(apps, schema_editor):
    event = apps.get_model("audit", "AuditEvent")
    # The historical model has a plain manager: the append-only guard is the code's, and
    # renaming a kind changes no fact of the log.
    event.objects.filter(kind="document_viewed", detail__has_key="claim").update(
        kind="claims.page_viewed")
    event.objects.filter(kind="document_downloaded",
                         detail__document="legal_protection_certificate").update(
        kind="policies.certificate_downloaded")
    for old, new in RENAMED.items():
        event.objects.filter(kind=old).update(kind=new)


def plain_kinds(apps, schema_editor):
    event = apps.get_model("audit", "AuditEvent")
    event.objects.filter(kind="claims.page_viewed").update(kind="document_viewed")
    event.objects.filter(kind="policies.certificate_downloaded").update(
        kind="document_downloaded")
    for old, new in RENAMED.items():
        event.objects.filter(kind=new).update(kind=old)


def move_permissions(apps, schema_editor):
    move_content_type(apps, ("accounts", "securityevent"), ("audit", "auditevent"))


def move_permissions_back(apps, schema_editor):
    move_content_type(apps, ("audit", "auditevent"), ("accounts", "securityevent"))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(namespace_kinds, plain_kinds),
        migrations.RunPython(move_permissions, move_permissions_back),
    ]
