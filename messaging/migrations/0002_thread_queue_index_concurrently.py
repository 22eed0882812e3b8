"""The index of the advisors' queue of threads, built without locking the table.

Replaces ``0002_thread_queue_index``, which built it with a plain CREATE INDEX (every write to the table
waits for the whole build). A database that already applied that one keeps its index and
records this one as applied (``replaces``); a new database builds it CONCURRENTLY on
PostgreSQL. The model's state is the same either way.
"""

from django.conf import settings
from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    replaces = [('messaging', '0002_thread_queue_index')]

    dependencies = [
        ('accounts', '0004_profile_preferences_sessions'),
        ('messaging', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='thread',
            index=models.Index(fields=['awaiting_reply_since', '-last_activity_at', '-id'], name='thread_queue_order'),
        ),
    ]
