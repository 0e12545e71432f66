"""Register periodic tasks with django-celery-beat's DatabaseScheduler from data migrations.

Each app lists its jobs as `(name, task, minute, hour, day_of_month)` crontab rows in TIME_ZONE;
`schedule(apps, jobs)` and `unschedule(apps, jobs)` are the migration's forward and backward steps.
Re-running is harmless (update_or_create by name), and operators can still edit them in the admin.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

Job = tuple[str, str, str, str, str]


def schedule(apps, jobs: list[Job]) -> None:
    crontab_model = apps.get_model("django_celery_beat", "CrontabSchedule")
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day in jobs:
        crontab, _ = crontab_model.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_month=day,
            month_of_year="*",
            day_of_week="*",
            timezone=settings.TIME_ZONE,
        )
        task_model.objects.update_or_create(
            name=name, defaults={"task": task, "crontab": crontab, "interval": None, "enabled": True}
        )
    _tell_running_beat(apps)


def unschedule(apps, jobs: list[Job]) -> None:
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[j[0] for j in jobs]).delete()
    _tell_running_beat(apps)


def _tell_running_beat(apps) -> None:
    """A running DatabaseScheduler reloads when this changes; model signals do not fire in migrations."""
    apps.get_model("django_celery_beat", "PeriodicTasks").objects.update_or_create(
        ident=1, defaults={"last_update": timezone.now()}
    )


def rename_tasks(apps, renames: dict[str, str]) -> None:
    """Point stored periodic tasks at a task's new registered name (`{old: new}`); rows an operator added too."""
    task_model = apps.get_model("django_celery_beat", "PeriodicTask")
    for old, new in renames.items():
        task_model.objects.filter(task=old).update(task=new)
    _tell_running_beat(apps)


def rename_tasks_back(apps, renames: dict[str, str]) -> None:
    rename_tasks(apps, {new: old for old, new in renames.items()})
