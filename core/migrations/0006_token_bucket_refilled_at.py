"""A token bucket's last refill as seconds since the epoch (``refilled_at``), replacing the
date and time ``updated_at``: the database refills and spends in one ``UPDATE``."""

from datetime import UTC, datetime

from django.db import migrations, models
from django.utils import timezone

BATCH = 2000


def copy_times(apps, schema_editor):
    TokenBucket = apps.get_model("core", "TokenBucket")
    rows = []
    for row in TokenBucket.objects.only("pk", "updated_at").iterator(chunk_size=BATCH):
        row.refilled_at = row.updated_at.timestamp()
        rows.append(row)
        if len(rows) == BATCH:
            TokenBucket.objects.bulk_update(rows, ["refilled_at"])
            rows = []
    TokenBucket.objects.bulk_update(rows, ["refilled_at"])


def copy_times_back(apps, schema_editor):
    TokenBucket = apps.get_model("core", "TokenBucket")
    rows = []
    for row in TokenBucket.objects.only("pk", "refilled_at").iterator(chunk_size=BATCH):
        row.updated_at = datetime.fromtimestamp(row.refilled_at, tz=UTC)
        rows.append(row)
        if len(rows) == BATCH:
            TokenBucket.objects.bulk_update(rows, ["updated_at"])
            rows = []
    TokenBucket.objects.bulk_update(rows, ["updated_at"])


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0005_outbox_started_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="tokenbucket",
            name="refilled_at",
            field=models.FloatField(default=0),
            preserve_default=False,
        ),
        migrations.RunPython(copy_times, copy_times_back),
        # A default only for going back, when the column is added again to existing rows.
        migrations.AlterField(
            model_name="tokenbucket",
            name="updated_at",
            field=models.DateTimeField(default=timezone.now),
        ),
        migrations.RemoveField(model_name="tokenbucket", name="updated_at"),
    ]
