import core.storage
import django.db.models.deletion
import django.utils.timezone
import exports.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("kptportal", "0002_shared_uploads"),
        ('accounts', '0007_audit_log_moves_to_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The model changes app; its table and rows stay where they are (state only).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='DataExport',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('pending', 'En préparation'), ('ready', 'Prête'), ('failed', 'Échec'), ('expired', 'Expirée')], default='pending', max_length=8, verbose_name='statut')),
                    ('file', models.FileField(blank=True, max_length=200, storage=core.storage.private_storage, upload_to=exports.models.export_upload_to)),
                    ('size', models.PositiveBigIntegerField(blank=True, null=True)),
                    ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='demandée le')),
                    ('ready_at', models.DateTimeField(blank=True, null=True, verbose_name='prête le')),
                    ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name="disponible jusqu'au")),
                    ('downloaded_at', models.DateTimeField(blank=True, null=True, verbose_name='téléchargée le')),
                    ('attempts', models.PositiveSmallIntegerField(default=0)),
                    ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='accounts.customer', verbose_name='client')),
                    ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'export de données',
                    'verbose_name_plural': 'exports de données',
                    'db_table': 'kptportal_dataexport',
                    'ordering': ['-requested_at', '-id'],
                    'indexes': [models.Index(fields=['status', 'requested_at'], name='kptportal_d_status_2fbc1c_idx')],
                },
            ),
    
        ]),
    ]
