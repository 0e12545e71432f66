"""Register billing's periodic tasks with django-celery-beat's DatabaseScheduler.

The month opens at 00:00 on day 1 in TIME_ZONE; alerts and template categories are swept often so
nothing waits for the next message. Re-running is harmless (update_or_create by name).
"""

from django.db import migrations

from core.beat import schedule, unschedule

TASKS = [
    # (name, task, crontab minute, hour, day_of_month)
    ("billing: open the new month", "billing.tasks.open_new_month", "0", "0", "1"),
    ("billing: usage alerts sweep", "billing.tasks.check_usage_alerts", "*/15", "*", "*"),
    ("billing: settle template categories", "billing.tasks.settle_template_categories", "*/10", "*", "*"),
]


def create_schedule(apps, schema_editor):
    schedule(apps, TASKS)


def remove_schedule(apps, schema_editor):
    unschedule(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_ledger_alerts_prices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
