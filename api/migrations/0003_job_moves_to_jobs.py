# Job moved to the jobs app, which keeps its table (api_job): only the state forgets it here.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0002_partner_side"),
        ("matching", "0006_job_moves_to_jobs"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Job")],
            database_operations=[],
        ),
    ]
