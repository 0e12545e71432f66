"""Beat job of onboarding: remove hosted numbers that never went live from Meta (see core/beat.py)."""

from django.db import migrations

from core.beat import schedule, unschedule

JOBS = [
    ("onboarding: release expired hosted numbers", "onboarding.release_expired_numbers", "*/15", "*", "*"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("onboarding", "0002_hold_existing_numbers"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(lambda apps, editor: schedule(apps, JOBS), lambda apps, editor: unschedule(apps, JOBS))
    ]
