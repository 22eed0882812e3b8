from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_policy_holder_label'),
    ]

    # The model changes app; its table and rows stay where they are (state only).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.DeleteModel(
                name='SecurityEvent',
            ),
    
        ]),
    ]
