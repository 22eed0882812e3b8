"""After the move from kptportal: the content types and permissions of the moved models, and
the tasks kept while the broker was down, under their new names."""

from django.db import migrations

from core.model_moves import move_content_type

TASKS_RENAMED = {
    "kptportal.tasks.deliver_sms": "core.tasks.deliver_sms",
    "kptportal.tasks.database_roundtrip": "core.tasks.database_roundtrip",
    "kptportal.tasks.flush_deferred_tasks": "core.tasks.flush_deferred_tasks",
    "kptportal.tasks.purge_shared_uploads": "core.tasks.purge_shared_uploads",
    "kptportal.tasks.build_data_export": "exports.tasks.build_data_export",
    "kptportal.tasks.purge_expired_exports": "exports.tasks.purge_expired_exports",
    "kptportal.tasks.requeue_pending_exports": "exports.tasks.requeue_pending_exports",
    "accounts.tasks.send_activity_notification":
        "notifications.tasks.send_activity_notification",
}


def forwards(apps, schema_editor):
    for model in ("deferredtask", "sharedupload"):
        move_content_type(apps, ("kptportal", model), ("core", model))
    move_content_type(apps, ("kptportal", "dataexport"), ("exports", "dataexport"))
    deferred = apps.get_model("core", "DeferredTask")
    for old, new in TASKS_RENAMED.items():
        deferred.objects.filter(task_name=old).update(task_name=new)


def backwards(apps, schema_editor):
    for model in ("deferredtask", "sharedupload"):
        move_content_type(apps, ("core", model), ("kptportal", model))
    move_content_type(apps, ("exports", "dataexport"), ("kptportal", "dataexport"))
    deferred = apps.get_model("core", "DeferredTask")
    for old, new in TASKS_RENAMED.items():
        deferred.objects.filter(task_name=new).update(task_name=old)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("exports", "0001_initial"),
        ("kptportal", "0004_models_move_to_core_and_exports"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
