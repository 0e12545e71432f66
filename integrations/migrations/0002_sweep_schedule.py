"""Every minute, queue outgoing webhook deliveries whose retry is due (long backoffs wait for this)."""

from django.db import migrations

from core.beat import schedule, unschedule

TASKS = [("integrations: due webhook deliveries", "integrations.sweep_deliveries", "*", "*", "*")]


def create_schedule(apps, schema_editor):
    schedule(apps, TASKS)


def remove_schedule(apps, schema_editor):
    unschedule(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
