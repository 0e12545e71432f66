"""The policy at the allowance, through the real pipeline over HTTP:
customer → sandbox → signed webhook → reply task → quota check → Graph client → sandbox."""

import pytest
from django.core import mail

from billing.alerts import ALERT_HEADER
from billing.models import UsageAlert, UsagePeriod
from tests.billing.support import CUSTOMER, member_api, replies_received
from tests.factories import MembershipFactory, UserFactory
from tests.support import customer_writes
from whatsapp.models import Conversation

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def two_free(number, settings):
    settings.OPERATOR_EMAILS = ["ops@operator.example"]
    client = number.client
    client.monthly_free_messages = 2
    client.save()
    MembershipFactory(client=client, role="owner", user=UserFactory(email="owner@client.example"))
    return number


def test_pause_ai_hands_the_conversation_to_a_person_at_the_allowance(sandbox_live, two_free):
    for text in ("Hola", "Buenas", "Hola"):
        customer_writes(sandbox_live, two_free, text)

    assert len(replies_received(sandbox_live, two_free)) == 2  # the third message got no AI reply
    usage = UsagePeriod.objects.get(number=two_free)
    assert (usage.service_messages, usage.ai_replies, usage.inbound_messages) == (2, 2, 3)
    conversation = Conversation.objects.get(number=two_free)
    assert conversation.owner == "human" and conversation.needs_attention
    assert "free messages" in conversation.handoff_reason
    assert sorted(UsageAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    alerts = [m for m in mail.outbox if ALERT_HEADER in m.extra_headers]
    told = sorted((m.extra_headers[ALERT_HEADER], to) for m in alerts for to in m.to)
    assert told == [(t, who) for t in ("100", "80") for who in ("ops@operator.example", "owner@client.example")]
    stats = member_api(two_free.client).get(f"/api/client/{two_free.client_id}/stats").json()
    assert (stats["free_messages_remaining"], stats["monthly_messages_used"], stats["ai_paused"]) == (0, 2, True)


def test_allow_overage_keeps_answering_and_reports_the_excess(sandbox_live, two_free):
    client = two_free.client
    client.quota_policy = "allow_overage"
    client.save()
    for text in ("Hola", "Buenas", "Hola"):
        customer_writes(sandbox_live, two_free, text)

    assert len(replies_received(sandbox_live, two_free)) == 3
    usage = UsagePeriod.objects.get(number=two_free)
    assert (usage.service_messages, usage.overage, usage.free_messages_remaining) == (3, 1, 0)
    assert Conversation.objects.get(number=two_free).owner == "ai"
    assert UsageAlert.objects.get(threshold=100).policy == "allow_overage"
    [row] = member_api(client).get("/api/v1/usage").json()["results"]
    assert (row["overage"], row["free_messages_used"], row["ai_paused"]) == (1, 2, False)


def test_a_redelivered_inbound_webhook_is_answered_and_counted_once(sandbox_live, number, post_webhook):
    from sandbox.services import open_window
    from tests.billing.webhooks import inbound_payload

    open_window(phone_number_id=number.phone_number_id, wa_id=CUSTOMER)
    payload = inbound_payload(number, "Hola", sender=CUSTOMER)
    assert post_webhook(payload).status_code == 200
    assert post_webhook(payload).status_code == 200  # Meta redelivers the same wamid

    assert len(replies_received(sandbox_live, number)) == 1
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.inbound_messages, usage.service_messages, usage.ai_replies) == (1, 1, 1)
