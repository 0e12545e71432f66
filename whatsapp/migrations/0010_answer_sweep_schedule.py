"""Beat sweep for customer messages whose reply task was lost (whatsapp.tasks.answer_unanswered_inbound)."""

from django.db import migrations

from core.beat import schedule, unschedule

JOBS = [("whatsapp: answer messages whose reply was lost", "whatsapp.answer_unanswered_inbound", "*", "*", "*")]


class Migration(migrations.Migration):
    dependencies = [
        ("whatsapp", "0009_template_owner"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(lambda apps, editor: schedule(apps, JOBS), lambda apps, editor: unschedule(apps, JOBS))
    ]
