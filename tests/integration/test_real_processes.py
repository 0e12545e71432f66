"""The product as it runs in production: gunicorn and a Celery worker on Redis, as separate processes.

A signed webhook goes over HTTP to gunicorn, the worker answers through the Graph client (HTTP to
the sandbox inside gunicorn), the sandbox posts sent/delivered/read back to the webhook.
"""

from __future__ import annotations

import json

import pytest
import requests

from billing.models import UsagePeriod
from tests.factories import connected_number
from tests.meta_fixtures import text_message
from tests.support import wait_for
from whatsapp.models import Message, WebhookEvent
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_signed_webhook_to_gunicorn_gets_a_reply_from_the_worker(stack):
    number = connected_number()
    # The customer writes through the sandbox (opens Meta's 24-hour window and posts the signed webhook).
    response = requests.post(
        f"{stack}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": "+573001112233", "text": "Hola, ¿abren hoy?"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["webhook_status"] == 200

    def replies():
        found = requests.get(
            f"{stack}/sandbox/api/messages",
            params={"phone_number_id": number.phone_number_id, "to": "+573001112233"},
            timeout=5,
        ).json()["results"]
        return found

    sent = wait_for(replies, timeout=30)
    assert len(sent) == 1, "exactly one reply"
    outbound = wait_for(
        lambda: Message.objects.filter(direction="out", wamid=sent[0]["wamid"], status="read").first(), timeout=30
    )
    assert outbound is not None, "sent → delivered → read arrived back through the signed webhook"
    assert outbound.pricing_category == "service"
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.service_messages, usage.ai_replies, usage.inbound_messages) == (1, 1, 1)


def test_meta_style_signed_post_is_accepted_and_a_forged_one_refused(stack):
    number = connected_number()
    body = json.dumps(text_message(number, wamid="wamid.REAL1", text="hola")).encode()
    forged = requests.post(
        f"{stack}/webhook/whatsapp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
    )
    assert forged.status_code == 403
    ok = requests.post(
        f"{stack}/webhook/whatsapp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)},
    )
    assert ok.status_code == 200
    assert WebhookEvent.objects.count() == 1  # kept before the answer; the forged one never was
    assert wait_for(lambda: Message.objects.filter(wamid="wamid.REAL1").exists())  # by the worker
    health = requests.get(f"{stack}/healthz", timeout=5).json()
    assert health["database"]["ok"] and health["broker"]["ok"]
    assert health["broker"]["detail"] == "redis"
