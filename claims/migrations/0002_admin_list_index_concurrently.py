"""The index of the claims' admin list, newest first, built without locking the table.

Replaces ``0002_admin_list_index``, which built it with a plain CREATE INDEX (every write to the table
waits for the whole build). A database that already applied that one keeps its index and
records this one as applied (``replaces``); a new database builds it CONCURRENTLY on
PostgreSQL. The model's state is the same either way.
"""

from django.conf import settings
from django.db import migrations, models

from core.migration_operations import AddIndexConcurrently


class Migration(migrations.Migration):

    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    replaces = [('claims', '0002_admin_list_index')]

    dependencies = [
        ('accounts', '0004_profile_preferences_sessions'),
        ('claims', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        AddIndexConcurrently(
            model_name='claim',
            index=models.Index(fields=['-created_at', '-id'], name='claim_recent'),
        ),
    ]
