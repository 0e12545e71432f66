"""Outbound sends through the real Graph client against the live sandbox: once, and only once."""

import pytest
import requests
from django.utils import timezone

from billing.models import UsagePeriod
from sandbox.models import SandboxMessage
from sandbox.services import open_window
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message
from whatsapp.services import replies
from whatsapp.services.outbound import record_outbound_message
from whatsapp.signals import outbound_message_sent
from whatsapp.tasks import answer_inbound_message, send_outbound_message

pytestmark = pytest.mark.django_db(transaction=True)


def inbound(number, text="Hola", wamid=None):
    """A customer message as the product stored it; on Meta's side it opened the 24-hour window."""
    conversation = ConversationFactory(number=number, last_inbound_at=timezone.now())
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    kwargs = {"wamid": wamid} if wamid else {}
    return MessageFactory(conversation=conversation, text=text, **kwargs)


def fault(base_url, **body):
    response = requests.post(f"{base_url}/sandbox/api/faults", json=body, timeout=10)
    assert response.status_code == 201, response.text


def test_running_the_reply_task_twice_sends_one_reply(sandbox_live, number):
    message = inbound(number)
    first = answer_inbound_message.delay(message.pk).get()  # decides and sends, one task
    second = answer_inbound_message.delay(message.pk).get()  # a duplicated run
    assert first is not None and second is None
    send_outbound_message.delay(first)  # a duplicated send task
    assert SandboxMessage.objects.filter(direction="out").count() == 1
    assert Message.objects.filter(direction="out").count() == 1
    assert UsagePeriod.objects.get(number=number).service_messages == 1


def test_a_sent_reply_tells_observers_once(sandbox_live, number):
    """Integrators' `message.sent` hangs off this signal, on every database's send path."""
    seen = []

    def observer(sender, message, **kwargs):
        seen.append((message.pk, message.conversation.number.pk))

    outbound_message_sent.connect(observer, dispatch_uid="test.sent")
    try:
        reply_id = answer_inbound_message.delay(inbound(number).pk).get()
    finally:
        outbound_message_sent.disconnect(dispatch_uid="test.sent")
    assert seen == [(reply_id, number.pk)]


def test_a_burst_is_answered_once_by_the_latest_message(sandbox_live, number):
    first = inbound(number, text="Hola")
    later = MessageFactory(conversation=first.conversation, text="¿Tienen domicilio?")
    assert answer_inbound_message.delay(first.pk).get() is None
    reply = Message.objects.get(pk=answer_inbound_message.delay(later.pk).get())
    assert reply.reply_to == later and reply.status == Message.Status.SENT
    assert SandboxMessage.objects.filter(direction="out").count() == 1


def test_a_reply_recorded_by_a_run_that_died_is_sent_by_the_retry_not_drafted_again(sandbox_live, number):
    message = inbound(number)
    recorded = replies.answer_inbound_message(message.pk)  # the run recorded its reply, then its worker died
    assert recorded.status == Message.Status.PENDING and not SandboxMessage.objects.exists()
    assert answer_inbound_message.delay(message.pk).get() == recorded.pk  # acks_late: the task runs again
    recorded.refresh_from_db()
    assert recorded.status == Message.Status.SENT
    assert Message.objects.filter(direction="out").count() == 1
    assert SandboxMessage.objects.filter(direction="out").count() == 1


def test_transient_errors_are_retried_until_sent(sandbox_live, number, settings):
    settings.WHATSAPP_RETRY_BACKOFF_MAX = 1
    fault(sandbox_live, phone_number_id=number.phone_number_id, fail_next=2, error_code=131000, http_status=500)
    conversation = inbound(number).conversation
    reply = record_outbound_message(conversation=conversation, text="Hola 👋", sent_by="agent")
    reply.refresh_from_db()
    assert reply.status == "sent"
    assert reply.attempts == 3
    assert SandboxMessage.objects.filter(direction="out").count() == 1
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.service_messages, usage.agent_replies, usage.ai_replies) == (1, 1, 0)


def test_throttling_is_transient_too(sandbox_live, number, settings):
    settings.WHATSAPP_RETRY_BACKOFF_MAX = 1
    fault(sandbox_live, phone_number_id=number.phone_number_id, fail_next=1, error_code=130429, http_status=400)
    reply = record_outbound_message(conversation=inbound(number).conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert reply.status == "sent"


def test_permanent_errors_fail_at_once_and_count_nothing(sandbox_live, number):
    fault(sandbox_live, phone_number_id=number.phone_number_id, fail_next=1, error_code=131026, http_status=400)
    reply = record_outbound_message(conversation=inbound(number).conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert reply.error_code == "131026"
    assert reply.attempts == 1
    assert SandboxMessage.objects.filter(direction="out").count() == 0
    assert not UsagePeriod.objects.filter(number=number, service_messages__gt=0).exists()


def test_retries_stop_after_the_limit(sandbox_live, number, settings):
    settings.WHATSAPP_RETRY_BACKOFF_MAX = 1
    settings.WHATSAPP_SEND_MAX_RETRIES = 2
    fault(sandbox_live, phone_number_id=number.phone_number_id, fail_next=10, error_code=131000, http_status=503)
    reply = record_outbound_message(conversation=inbound(number).conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert reply.attempts == 3
    assert reply.error_code == "131000"


def test_a_token_the_sandbox_does_not_know_is_an_authentication_failure(sandbox_live, number):
    number.connection_type, number.business_token = "embedded", "revoked-token"
    number.save()
    reply = record_outbound_message(conversation=inbound(number).conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert reply.error_code == "190"


def test_a_message_in_flight_is_not_sent_again(sandbox_live, number):
    """A worker that died mid-send leaves `sending`: a redelivered task must not send it twice."""
    reply = MessageFactory(
        conversation=inbound(number).conversation, direction="out", status="sending", wamid=None, sent_by="agent"
    )
    send_outbound_message.delay(reply.pk)
    assert SandboxMessage.objects.filter(direction="out").count() == 0


def test_no_ai_reply_for_a_suspended_client_or_a_human_owned_conversation(sandbox_live, number):
    message = inbound(number)
    message.conversation.owner = "human"
    message.conversation.save()
    assert replies.answer_inbound_message(message.pk) is None
    number.client.status = "suspended"
    number.client.save()
    other = inbound(number, wamid="wamid.OTHER")
    assert replies.answer_inbound_message(other.pk) is None
    assert SandboxMessage.objects.count() == 0


def test_a_suspended_number_sends_nothing(sandbox_live, number):
    conversation = inbound(number).conversation
    number.status = "suspended"
    number.save()
    reply = record_outbound_message(conversation=conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert (reply.status, reply.error_code) == ("failed", "number_inactive")
    assert SandboxMessage.objects.filter(direction="out").count() == 0


def test_a_slow_meta_is_not_sent_twice_and_its_status_webhook_settles_the_message(sandbox_live, number, settings):
    """The Graph call times out after Meta accepted the message: no resend; the status webhook
    finds the message by the uuid we sent in biz_opaque_callback_data and completes it."""
    from tests.support import wait_for

    settings.WHATSAPP_GRAPH_TIMEOUT = 0.5
    settings.SANDBOX_STATUS_WEBHOOKS = True
    fault(sandbox_live, phone_number_id=number.phone_number_id, fail_next=1, delay_ms=1500)
    reply = record_outbound_message(conversation=inbound(number).conversation, text="Hola", sent_by="agent")
    reply.refresh_from_db()
    assert (reply.status, reply.error_code, reply.attempts) == ("sending", "timeout", 1)

    settled = wait_for(lambda: Message.objects.filter(pk=reply.pk, status="read").first(), timeout=15)
    assert settled is not None
    assert settled.wamid and settled.error_code == ""
    assert SandboxMessage.objects.filter(direction="out").count() == 1
    assert UsagePeriod.objects.get(number=number).service_messages == 1
