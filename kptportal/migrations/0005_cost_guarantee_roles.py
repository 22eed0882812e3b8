"""The advisors' group gets the cost guarantee requests (kptportal/roles.py)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def sync_role_groups(apps, schema_editor):
    from kptportal.roles import sync_groups

    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("kptportal", "0004_models_move_to_core_and_exports"),
        ("claims", "0007_cost_guarantees"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
