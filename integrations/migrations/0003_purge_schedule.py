"""Every night (03:50 in TIME_ZONE), delete finished webhook deliveries past OUTGOING_WEBHOOK_KEEP_DAYS."""

from django.db import migrations

from core.beat import schedule, unschedule

TASKS = [("integrations: purge old webhook deliveries", "integrations.purge_deliveries", "50", "3", "*")]


def create_schedule(apps, schema_editor):
    schedule(apps, TASKS)


def remove_schedule(apps, schema_editor):
    unschedule(apps, TASKS)


class Migration(migrations.Migration):
    dependencies = [("integrations", "0002_sweep_schedule"), ("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
