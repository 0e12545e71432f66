"""Conversation.team_read_at: when the client's team last had the thread open (unread counts in the inbox).

Existing conversations start read (up to the migration), so the inbox does not light up with old history."""

from django.db import migrations, models
from django.utils import timezone


def mark_history_read(apps, schema_editor):
    Conversation = apps.get_model("whatsapp", "Conversation")
    Conversation.objects.filter(team_read_at__isnull=True).update(team_read_at=timezone.now())


class Migration(migrations.Migration):

    dependencies = [
        ("whatsapp", "0007_message_media"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="team_read_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="read by the team"),
        ),
        migrations.RunPython(mark_history_read, migrations.RunPython.noop),
    ]
