"""The whole loop over real HTTP: customer → sandbox → signed webhook → reply task → Graph → sandbox."""

import pytest
import requests

from billing.models import UsagePeriod
from tests.support import customer_writes, sent_to
from whatsapp.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_customer_message_gets_one_reply_and_counts_usage(sandbox_live, number):
    customer_writes(sandbox_live, number, "Hola, ¿tienen domicilio?")

    replies = sent_to(sandbox_live, number)
    assert len(replies) == 1
    outbound = Message.objects.get(direction="out")
    assert outbound.wamid == replies[0]["wamid"]
    assert outbound.status == "sent"
    assert outbound.sent_by == "ai"
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.service_messages, usage.ai_replies, usage.inbound_messages) == (1, 1, 1)


def test_a_signed_webhook_posted_straight_to_the_product_gets_a_reply(sandbox_live, number):
    """As in the README's curl: Meta (here: anyone with the app secret) posts; the sandbox plays Meta."""
    import json
    import time

    from tests.meta_fixtures import text_message
    from whatsapp.signature import sign_body

    body = json.dumps(text_message(number, wamid="wamid.CURL1", text="hola", ts=str(int(time.time())))).encode()
    response = requests.post(
        f"{sandbox_live}/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)},
        timeout=30,
    )
    assert response.status_code == 200
    assert len(sent_to(sandbox_live, number)) == 1
    assert UsagePeriod.objects.get(number=number).service_messages == 1


def test_a_replayed_day_old_webhook_does_not_open_metas_window(sandbox_live, number):
    import json
    import time

    from tests.meta_fixtures import text_message
    from whatsapp.signature import sign_body

    old = str(int(time.time()) - 25 * 3600)
    body = json.dumps(text_message(number, wamid="wamid.OLD1", text="hola", ts=old)).encode()
    requests.post(
        f"{sandbox_live}/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)},
        timeout=30,
    )
    assert sent_to(sandbox_live, number) == []
    assert not Message.objects.filter(direction="out").exists(), "no doomed free-form attempt"
    conversation = Message.objects.get(wamid="wamid.OLD1").conversation
    assert (conversation.owner, conversation.needs_attention) == ("human", True)
    assert "24 hours" in conversation.handoff_reason
