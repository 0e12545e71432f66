"""Per-number pacing and the beat job that heals sends whose task or worker was lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.models import SandboxMessage
from sandbox.services import open_window
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message
from whatsapp.pacing import acquire_send_slot
from whatsapp.services.outbound import sweep_stale_sends


def test_each_number_gets_its_own_sends_per_second(settings):
    settings.WHATSAPP_SENDS_PER_SECOND = 3
    now = 1_763_776_000.2
    assert [acquire_send_slot("111", now=now) for _ in range(4)] == [True, True, True, False]
    assert acquire_send_slot("222", now=now), "another number is not slowed down"
    assert acquire_send_slot("111", now=now + 1), "the next second has room again"


@pytest.mark.django_db(transaction=True)
def test_sweep_fails_stuck_sends_and_sends_lost_ones(sandbox_live, number):
    old = timezone.now() - timedelta(minutes=30)
    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    outbound = {"conversation": conversation, "direction": "out", "wamid": None, "sent_by": "agent"}
    stuck = MessageFactory(**outbound, status="sending", created_at=old)
    lost = MessageFactory(**outbound, status="pending", created_at=old, text="¿Sigues ahí?")
    fresh = MessageFactory(**outbound, status="sending")
    delivered = MessageFactory(**{**outbound, "wamid": "wamid.D"}, status="delivered", created_at=old)

    result = sweep_stale_sends(older_than_minutes=15)

    assert result == {"requeued": 1, "failed": 1}
    assert Message.objects.get(pk=lost.pk).status == "sent"
    assert [m.text for m in SandboxMessage.objects.filter(direction="out")] == ["¿Sigues ahí?"]
    assert Message.objects.get(pk=stuck.pk).error_code == "send_interrupted"
    assert Message.objects.get(pk=fresh.pk).status == "sending"
    assert Message.objects.get(pk=delivered.pk).status == "delivered"
