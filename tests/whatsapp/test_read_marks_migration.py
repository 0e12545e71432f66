"""whatsapp.0012 turns the team's shared read mark into one mark per person: every member of the client starts
where the team was, so nobody's inbox lights up with history the team had already read."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests.core.test_migrations_forward import migrate_to
from tests.factories import ConversationFactory, MembershipFactory, MessageFactory
from whatsapp.models import ConversationRead
from whatsapp.selectors import unread_counts


@pytest.mark.django_db(transaction=True)
def test_the_team_mark_becomes_each_members_mark():
    read_conversation = ConversationFactory()
    client = read_conversation.client
    never_read = ConversationFactory(client=client, number=read_conversation.number)
    owner, agent = (MembershipFactory(client=client).user for _ in range(2))
    outsider = MembershipFactory().user  # a member of another client gets no mark on this client's threads
    read_at = timezone.now() - timedelta(hours=1)
    MessageFactory(conversation=read_conversation, created_at=read_at - timedelta(minutes=5))  # read by the team
    MessageFactory(conversation=read_conversation)  # arrived after the team's mark
    MessageFactory(conversation=never_read)
    try:
        migrate_to({"whatsapp": "0010_answer_sweep_schedule"})
        old = MigrationExecutor(connection).loader.project_state([("whatsapp", "0010_answer_sweep_schedule")]).apps
        old.get_model("whatsapp", "Conversation").objects.filter(pk=read_conversation.pk).update(team_read_at=read_at)
    finally:
        migrate_to({})

    marks = ConversationRead.objects.filter(client=client)
    assert {(m.conversation_id, m.user_id, m.read_at) for m in marks} == {
        (read_conversation.pk, owner.pk, read_at),
        (read_conversation.pk, agent.pk, read_at),
    }
    assert not ConversationRead.objects.filter(user=outsider).exists()
    ids = [read_conversation.pk, never_read.pk]
    assert unread_counts(client=client, user=agent, conversation_ids=ids) == {read_conversation.pk: 1, never_read.pk: 1}
