"""Register billing's periodic tasks with django-celery-beat's DatabaseScheduler.

The month opens at 00:00 on day 1 in TIME_ZONE; alerts and template categories are swept often so
nothing waits for the next message. Re-running is harmless (update_or_create by name).
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

TASKS = [
    # (name, task, crontab minute, hour, day_of_month)
    ("billing: open the new month", "billing.tasks.open_new_month", "0", "0", "1"),
    ("billing: usage alerts sweep", "billing.tasks.check_usage_alerts", "*/15", "*", "*"),
    ("billing: settle template categories", "billing.tasks.settle_template_categories", "*/10", "*", "*"),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day in TASKS:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day,
            month_of_year="*",
            day_of_week="*",
            timezone=settings.TIME_ZONE,
        )
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True}
        )
    # Tell a running beat (DatabaseScheduler) to reload its schedule; signals do not fire in migrations.
    PeriodicTasks = apps.get_model("django_celery_beat", "PeriodicTasks")
    PeriodicTasks.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[t[0] for t in TASKS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_ledger_alerts_prices"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
