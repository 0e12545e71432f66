"""Beat rows name tasks by their registered name, not their module path (tasks may move between modules).

The pipeline's stale-send sweep and the number health sync (which moved here from tenants) get stable names.
"""

from django.db import migrations

from core.beat import rename_tasks, rename_tasks_back

RENAMES = {
    "whatsapp.tasks.sweep_stale_sends": "whatsapp.sweep_stale_sends",
    "tenants.tasks.sync_number_health": "whatsapp.sync_number_health",
}


class Migration(migrations.Migration):
    dependencies = [
        ("whatsapp", "0002_conversation_inbox_order"),
        ("crm", "0001_foundation_periodic_tasks"),
        ("tenants", "0004_health_sync_schedule"),
    ]

    operations = [
        migrations.RunPython(
            lambda apps, editor: rename_tasks(apps, RENAMES), lambda apps, editor: rename_tasks_back(apps, RENAMES)
        )
    ]
