"""Delete audit entries past AUDIT_RETENTION_DAYS every night (03:40 in TIME_ZONE)."""

from django.db import migrations

from core.beat import schedule, unschedule

TASKS = [("audit: purge expired entries", "audit.purge_expired", "40", "3", "*")]


def create_schedule(apps, schema_editor):
    schedule(apps, TASKS)


def remove_schedule(apps, schema_editor):
    unschedule(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
