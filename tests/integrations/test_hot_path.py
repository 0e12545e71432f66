"""The message hot path stays cheap: for a client without endpoints (or whose endpoints want other events)
emitting an event costs no database query and queues nothing; a change to the endpoints is seen at once."""

from __future__ import annotations

import pytest
from django.utils import timezone

from integrations import services, subscriptions
from tests.factories import MessageFactory, UserFactory
from tests.integrations.conftest import run_ours
from tests.meta_fixtures import text_message
from whatsapp.models import Conversation, Message
from whatsapp.signals import (
    conversation_handed_off,
    conversation_taken_over,
    inbound_message_recorded,
    message_statuses_applied,
    outbound_message_sent,
)

pytestmark = pytest.mark.django_db


def send_every_signal(number, message, conversation, user) -> None:
    inbound_message_recorded.send(
        sender=Message, number=number, wa_id="573001112233", sent_at=timezone.now(), message=message
    )
    outbound_message_sent.send(sender=Message, message=message)
    message_statuses_applied.send(sender=Message, statuses=[(number.client_id, message.pk, "read", None)] * 50)
    conversation_handed_off.send(sender=Conversation, conversation=conversation, reason="x")
    conversation_taken_over.send(sender=Conversation, conversation=conversation, user=user)


@pytest.mark.parametrize("endpoints", ["none", "other events"])
def test_emitting_costs_no_query_when_nobody_listens(
    number, endpoints, settings, django_assert_num_queries, django_capture_on_commit_callbacks
):
    if endpoints == "other events":
        services.endpoint_create(client=number.client, url="http://127.0.0.1:9/x", events=["usage.threshold"])
    settings.WHATSAPP_SANDBOX = False  # the sandbox's own observer (its 24-hour window) is not ours to count
    message = MessageFactory(conversation__number=number)
    conversation, user = message.conversation, UserFactory()
    subscriptions.subscribed([number.client_id])  # the first look after a change reads the database once

    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(0):
        send_every_signal(number, message, conversation, user)
    assert callbacks == []


def test_the_inbound_path_queues_nothing_of_ours_without_endpoints(
    number, post_webhook, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        post_webhook(text_message(number, wamid="wamid.QUIET"))
    assert run_ours(callbacks) == []
    assert Message.objects.filter(wamid="wamid.QUIET").exists()


def test_endpoint_changes_are_seen_at_once(number, django_assert_num_queries):
    client_id = number.client_id
    assert not subscriptions.wanted(client_id, "message.received")
    endpoint, _ = services.endpoint_create(client=number.client, url="http://127.0.0.1:9/x", events=["message.sent"])
    assert subscriptions.wanted(client_id, "message.sent") and not subscriptions.wanted(client_id, "message.received")
    with django_assert_num_queries(0):
        assert subscriptions.wanted(client_id, "message.sent")  # cached again
    services.endpoint_update(endpoint=endpoint, data={"events": ["message.received"]})
    assert subscriptions.wanted(client_id, "message.received") and not subscriptions.wanted(client_id, "message.sent")
    services.endpoint_update(endpoint=endpoint, data={"is_enabled": False})
    assert not subscriptions.wanted(client_id, "message.received")
    services.endpoint_update(endpoint=endpoint, data={"is_enabled": True})
    services.endpoint_delete(endpoint=endpoint)
    assert not subscriptions.wanted(client_id, "message.received")


def test_a_broken_cache_never_breaks_the_pipeline(number, monkeypatch, post_webhook):
    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(subscriptions.cache, "get_many", broken)
    post_webhook(text_message(number, wamid="wamid.CACHEDOWN"))
    assert Message.objects.filter(wamid="wamid.CACHEDOWN").exists()
