"""ConversationRead: one read mark per person and conversation, replacing the team's shared
Conversation.team_read_at (unread counts in the inbox become per person).

Every member of a client starts where the team's mark was, so nobody's inbox lights up with history
the team already read; backwards, a conversation's team mark is the latest of its people's marks."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Max

BATCH = 1000


def team_mark_to_people(apps, schema_editor):
    Conversation = apps.get_model("whatsapp", "Conversation")
    ConversationRead = apps.get_model("whatsapp", "ConversationRead")
    Membership = apps.get_model("tenants", "Membership")
    members: dict[int, list[int]] = {}
    for client_id, user_id in Membership.objects.values_list("client_id", "user_id"):
        members.setdefault(client_id, []).append(user_id)
    marks = []
    read = Conversation.objects.filter(team_read_at__isnull=False).values_list("pk", "client_id", "team_read_at")
    for conversation_id, client_id, read_at in read.iterator():
        for user_id in members.get(client_id, []):
            marks.append(
                ConversationRead(client_id=client_id, conversation_id=conversation_id, user_id=user_id, read_at=read_at)
            )
        if len(marks) >= BATCH:
            ConversationRead.objects.bulk_create(marks, ignore_conflicts=True)
            marks = []
    ConversationRead.objects.bulk_create(marks, ignore_conflicts=True)


def people_marks_to_team(apps, schema_editor):
    Conversation = apps.get_model("whatsapp", "Conversation")
    ConversationRead = apps.get_model("whatsapp", "ConversationRead")
    latest = ConversationRead.objects.values("conversation_id").annotate(at=Max("read_at"))
    for row in latest.iterator():
        Conversation.objects.filter(pk=row["conversation_id"]).update(team_read_at=row["at"])


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0007_invitation"),
        ("whatsapp", "0011_message_next_attempt_at"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ConversationRead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("read_at", models.DateTimeField(verbose_name="read")),
                (
                    "client",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenants.client"
                    ),
                ),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="read_marks",
                        to="whatsapp.conversation",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "verbose_name": "read mark",
                "verbose_name_plural": "read marks",
                "constraints": [
                    models.UniqueConstraint(fields=("conversation", "user"), name="conversation_read_unique_user")
                ],
            },
        ),
        migrations.RunPython(team_mark_to_people, people_marks_to_team),
        migrations.RemoveField(model_name="conversation", name="team_read_at"),
    ]
