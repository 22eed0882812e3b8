"""The advisors' and administrators' groups with their permissions (kptportal/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_role_groups(apps, schema_editor):
    from kptportal.roles import sync_groups

    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("kptportal", "0002_shared_uploads"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0005_customer_unlock_permission"),
        ("claims", "0002_admin_list_index"),
        ("documents", "0002_admin_list_index"),
        ("messaging", "0002_thread_queue_index"),
        ("policies", "0001_initial"),
        ("axes", "0010_accessattemptexpiration"),
        ("otp_static", "0003_add_timestamps"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(create_role_groups, migrations.RunPython.noop)]
