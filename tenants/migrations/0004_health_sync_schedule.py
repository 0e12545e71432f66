"""Beat job of tenants: refresh every active number's health from Meta (see core/beat.py)."""

from django.db import migrations

from core.beat import schedule, unschedule

JOBS = [
    ("tenants: sync number health", "tenants.tasks.sync_number_health", "17", "*/6", "*"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_number_failure_code"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(lambda apps, editor: schedule(apps, JOBS), lambda apps, editor: unschedule(apps, JOBS))
    ]
