"""The advisors decide deductible and model changes: their group gets the queue's permissions
(kptportal/roles.py)."""

from importlib import import_module

from django.db import migrations

# The same step as when the groups were created: permissions first, then the groups.
create_role_groups = import_module("kptportal.migrations.0003_staff_roles").create_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("kptportal", "0005_cost_guarantee_roles"),
        ("customer_requests", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_role_groups,
                                       migrations.RunPython.noop)]
