"""Unread counts and order in the inbox: customer messages since this person last had the thread open (each
member of the team has their own mark); those needing a person first; the 24-hour window's time left."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import Membership
from tests.factories import MembershipFactory, MessageFactory
from tests.portal.conftest import open_conversation
from whatsapp.models import Conversation, ConversationRead
from whatsapp.services.conversations import mark_read

pytestmark = pytest.mark.django_db


def unread(response, conversation) -> int:
    return next(r["unread"] for r in response.context["rows"] if r["conversation"].pk == conversation.pk)


def test_opening_the_thread_reads_it_and_a_new_message_is_unread_again(owner_client, tenant):
    conversation = tenant.conversation
    MessageFactory(conversation=conversation, text="¿Siguen abiertos?", created_at=timezone.now() - timedelta(hours=1))
    assert unread(owner_client.get("/app/inbox/"), conversation) == 2
    assert owner_client.get(f"/app/inbox/{conversation.pk}/").status_code == 200
    assert unread(owner_client.get("/app/inbox/"), conversation) == 0
    read_at = timezone.now() - timedelta(minutes=1)  # the thread was open a minute ago…
    ConversationRead.objects.filter(conversation=conversation, user=tenant.owner).update(read_at=read_at)
    MessageFactory(conversation=conversation, text="¿Hola?")  # …and the customer wrote since
    assert unread(owner_client.get("/app/inbox/"), conversation) == 1
    owner_client.get(f"/app/inbox/{conversation.pk}/messages/")  # the open thread's polling reads it too
    assert unread(owner_client.get("/app/inbox/"), conversation) == 0


def test_the_mark_is_written_only_when_something_new_arrived(tenant):
    conversation = tenant.conversation
    assert mark_read(conversation=conversation, user=tenant.owner) is True  # the first look makes the mark
    assert mark_read(conversation=conversation, user=tenant.owner) is False
    MessageFactory(conversation=conversation, text="¿Hola?")
    assert mark_read(conversation=conversation, user=tenant.owner) is True
    assert mark_read(conversation=conversation, user=tenant.agent) is True  # a colleague has a mark of their own


def test_each_agent_has_their_own_unread(client, tenant):
    """Two agents of one client: the one who opens the thread reads it for themselves only."""
    colleague = MembershipFactory(client=tenant.client, role=Membership.Role.AGENT).user
    conversation = tenant.conversation
    client.force_login(tenant.agent)
    assert unread(client.get("/app/inbox/"), conversation) == 1
    client.get(f"/app/inbox/{conversation.pk}/")
    assert unread(client.get("/app/inbox/"), conversation) == 0
    page = client.get("/app/inbox/").content.decode()
    assert f'data-conversation="{conversation.pk}" data-unread="0"' in page

    client.force_login(colleague)
    assert unread(client.get("/app/inbox/"), conversation) == 1  # untouched by the first agent's reading
    rows = client.get("/app/inbox/rows/").content.decode()  # the list's polling says the same
    assert f'data-conversation="{conversation.pk}" data-unread="1"' in rows
    MessageFactory(conversation=conversation, text="¿Me escuchan?")
    assert unread(client.get("/app/inbox/"), conversation) == 2
    client.get(f"/app/inbox/{conversation.pk}/messages/")  # the colleague's open thread polls: read for them
    assert unread(client.get("/app/inbox/"), conversation) == 0

    client.force_login(tenant.agent)
    assert unread(client.get("/app/inbox/"), conversation) == 1  # only the new message, since their own mark
    assert {m.user_id for m in ConversationRead.objects.filter(conversation=conversation)} == {
        tenant.agent.pk,
        colleague.pk,
    }


def test_another_clients_agent_sees_and_marks_nothing(client, tenant, other):
    """Tenancy: another client's agent neither sees the thread in their list nor can open (and so mark) it."""
    client.force_login(other.agent)
    rows = client.get("/app/inbox/").context["rows"]
    assert [r["conversation"].pk for r in rows] == [other.conversation.pk]
    assert client.get(f"/app/inbox/{tenant.conversation.pk}/").status_code == 404
    assert client.get(f"/app/inbox/{tenant.conversation.pk}/messages/").status_code == 404
    assert not ConversationRead.objects.filter(conversation=tenant.conversation).exists()
    client.force_login(tenant.agent)
    assert unread(client.get("/app/inbox/"), tenant.conversation) == 1


def test_conversations_needing_a_person_come_first(owner_client, tenant):
    waiting = open_conversation(tenant.number, hours_ago=5, name="Espera", needs_attention=True)
    rows = owner_client.get("/app/inbox/").context["rows"]
    assert [r["conversation"].pk for r in rows] == [waiting.pk, tenant.conversation.pk]


def test_the_thread_head_says_how_long_the_window_stays_open(owner_client, tenant):
    Conversation.objects.filter(pk=tenant.conversation.pk).update(
        last_inbound_at=timezone.now() - timedelta(hours=22, minutes=30)
    )
    head = owner_client.get(f"/app/inbox/{tenant.conversation.pk}/head/").content.decode()
    assert 'data-open="true"' in head and "1 h 29 min" in head and "soon" in head
    Conversation.objects.filter(pk=tenant.conversation.pk).update(last_inbound_at=timezone.now() - timedelta(days=2))
    head = owner_client.get(f"/app/inbox/{tenant.conversation.pk}/head/").content.decode()
    assert 'data-open="false"' in head


def test_a_bad_current_id_in_the_rows_poll_is_a_400(owner_client):
    assert owner_client.get("/app/inbox/rows/", {"current": "x"}).status_code == 400
