"""Every night (03:40 in TIME_ZONE), blank message texts and media older than each client's retention."""

from django.db import migrations

from core.beat import schedule, unschedule

TASKS = [("privacy: apply message retention", "privacy.enforce_retention", "40", "3", "*")]


def create_schedule(apps, schema_editor):
    schedule(apps, TASKS)


def remove_schedule(apps, schema_editor):
    unschedule(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
