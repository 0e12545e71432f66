"""Unread counts and order in the inbox: customer messages since the team last had the thread open; those
needing a person first; the 24-hour window's time left in the thread head."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import MessageFactory
from tests.portal.conftest import open_conversation
from whatsapp.models import Conversation
from whatsapp.services.conversations import mark_read_by_team

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
    Conversation.objects.filter(pk=conversation.pk).update(team_read_at=read_at)
    MessageFactory(conversation=conversation, text="¿Hola?")  # …and the customer wrote since
    assert unread(owner_client.get("/app/inbox/"), conversation) == 1
    owner_client.get(f"/app/inbox/{conversation.pk}/messages/")  # the open thread's polling reads it too
    assert unread(owner_client.get("/app/inbox/"), conversation) == 0


def test_the_mark_is_written_only_when_something_new_arrived(tenant):
    conversation = tenant.conversation
    assert mark_read_by_team(conversation=conversation) is True
    assert mark_read_by_team(conversation=conversation) is False


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
