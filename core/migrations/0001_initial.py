import core.storage
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("kptportal", "0002_shared_uploads"),
    ]

    # The model changes app; its table and rows stay where they are (state only).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='DeferredTask',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('task_name', models.CharField(max_length=200)),
                    ('args', models.JSONField(default=list)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ],
                options={
                    'verbose_name': 'tâche en attente',
                    'verbose_name_plural': 'tâches en attente',
                    'db_table': 'kptportal_deferredtask',
                    'ordering': ['id'],
                },
            ),
            migrations.CreateModel(
                name='SharedUpload',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('session_key', models.CharField(db_index=True, max_length=40)),
                    ('file', models.FileField(storage=core.storage.private_storage, upload_to='shared/%Y/%m/%d/')),
                    ('name', models.CharField(max_length=120)),
                    ('content_type', models.CharField(max_length=40)),
                    ('page_count', models.PositiveSmallIntegerField(default=1)),
                    ('size', models.PositiveIntegerField()),
                    ('created_at', models.DateTimeField(auto_now_add=True)),
                    ('expires_at', models.DateTimeField(db_index=True)),
                ],
                options={
                    'db_table': 'kptportal_sharedupload',
                    'ordering': ['created_at', 'id'],
                },
            ),
    
        ]),
    ]
