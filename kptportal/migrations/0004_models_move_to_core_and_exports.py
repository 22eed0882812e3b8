from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('kptportal', '0003_staff_roles'),
    ]

    # The model changes app; its table and rows stay where they are (state only).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
            migrations.RemoveField(
                model_name='dataexport',
                name='customer',
            ),
            migrations.RemoveField(
                model_name='dataexport',
                name='requested_by',
            ),
            migrations.DeleteModel(
                name='DeferredTask',
            ),
            migrations.DeleteModel(
                name='SharedUpload',
            ),
            migrations.DeleteModel(
                name='DataExport',
            ),
    
        ]),
    ]
