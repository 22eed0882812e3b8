import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('accounts', '0007_audit_log_moves_to_audit'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The model changes app; its table and rows stay where they are (state only).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.CreateModel(
                name='AuditEvent',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('created_at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                    ('kind', models.CharField(max_length=64)),
                    ('username', models.CharField(blank=True, help_text='Tel que saisi.', max_length=150)),
                    ('ip_address', models.GenericIPAddressField(blank=True, null=True)),
                    ('user_agent', models.CharField(blank=True, max_length=300)),
                    ('detail', models.JSONField(blank=True, default=dict)),
                    ('actor', models.ForeignKey(blank=True, help_text="Qui a agi, si ce n'est pas le titulaire (conseiller).", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('customer', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='accounts.customer')),
                    ('user', models.ForeignKey(blank=True, help_text='Le compte concerné.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='audit_events', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'événement du journal',
                    'verbose_name_plural': 'journal',
                    'db_table': 'accounts_securityevent',
                    'ordering': ['-created_at'],
                    'indexes': [models.Index(fields=['customer', '-created_at'], name='accounts_se_custome_049515_idx')],
                },
            ),
    
        ]),
    ]
