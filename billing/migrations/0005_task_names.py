"""Beat rows name billing's tasks by their registered name, not their module path."""

from django.db import migrations

from core.beat import rename_tasks, rename_tasks_back

RENAMES = {
    "billing.tasks.open_new_month": "billing.open_new_month",
    "billing.tasks.check_usage_alerts": "billing.check_usage_alerts",
    "billing.tasks.settle_template_categories": "billing.settle_template_categories",
}


class Migration(migrations.Migration):
    dependencies = [("billing", "0004_settle_index")]

    operations = [
        migrations.RunPython(
            lambda apps, editor: rename_tasks(apps, RENAMES), lambda apps, editor: rename_tasks_back(apps, RENAMES)
        )
    ]
