# Decision and Document moved to shnor.records (records/migrations/0001_initial): their tables
# stay, only the cycle app stops owning them.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("cycle", "0003_management_cycle"),
        ("records", "0001_initial"),
        ("programmes", "0003_alter_programme_exit_decision"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="Document"),
                migrations.DeleteModel(name="Decision"),
            ],
            database_operations=[],
        ),
    ]
