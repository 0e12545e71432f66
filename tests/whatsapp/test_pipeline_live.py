"""The whole loop over real HTTP: customer → sandbox → signed webhook → reply task → Graph → sandbox."""

import pytest
import requests

from billing.models import UsagePeriod
from whatsapp.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def customer_writes(base_url, number, text, sender="573001112233"):
    response = requests.post(
        f"{base_url}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": f"+{sender}", "text": text, "profile_name": "Ana"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["webhook_status"] == 200
    return response.json()["wamid"]


def sent_to(base_url, number, to="+573001112233"):
    response = requests.get(
        f"{base_url}/sandbox/api/messages", params={"phone_number_id": number.phone_number_id, "to": to}, timeout=10
    )
    return response.json()["results"]


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
