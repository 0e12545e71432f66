"""Periodic jobs of the message pipeline (see core/beat.py)."""

from django.db import migrations

from core.beat import schedule, unschedule

JOBS = [
    ("whatsapp: sweep stale sends", "whatsapp.tasks.sweep_stale_sends", "*/5", "*", "*"),
]


class Migration(migrations.Migration):
    dependencies = [("django_celery_beat", "0019_alter_periodictasks_options")]

    operations = [
        migrations.RunPython(lambda apps, editor: schedule(apps, JOBS), lambda apps, editor: unschedule(apps, JOBS))
    ]
