"""The column of the event kind grows to the 64 characters the model has said since the move.

The move from accounts changed the model's state only, so the table kept the 32 characters
of the first kinds; PostgreSQL refuses the longer namespaced ones (SQLite did not check).
"""

from django.db import migrations, models


def widen(apps, schema_editor):
    event = apps.get_model("audit", "AuditEvent")
    narrow = models.CharField(max_length=32)
    narrow.set_attributes_from_name("kind")
    narrow.model = event
    schema_editor.alter_field(event, narrow, event._meta.get_field("kind"))


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_namespaced_kinds")]

    # Widening only: going back would have to cut rows, so the reverse leaves the column.
    operations = [migrations.RunPython(widen, migrations.RunPython.noop, elidable=False)]
