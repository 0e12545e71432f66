"""Status and template webhooks posted by the sandbox, signed, over real HTTP, to the product's webhook."""

from datetime import date

import pytest
import requests
from django.conf import settings

from sandbox.models import SandboxMessage
from sandbox.services import open_window, pricing
from tests.factories import ContactFactory, ConversationFactory
from tests.sandbox.conftest import live_db
from tests.support import wait_for
from whatsapp.models import Message, WebhookEvent
from whatsapp.services.outbound import record_outbound_message

pytestmark = live_db


@pytest.fixture
def status_webhooks(settings, sandbox_live):
    settings.SANDBOX_STATUS_WEBHOOKS = True
    return sandbox_live


def test_ai_reply_goes_sent_delivered_read_with_pricing(status_webhooks, number):
    response = requests.post(
        f"{status_webhooks}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": "+573001112233", "text": "Hola"},
        timeout=10,
    )
    assert response.json()["webhook_status"] == 200
    reply = Message.objects.get(direction="out")
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).status == "read"), Message.objects.get(pk=reply.pk).status
    reply.refresh_from_db()
    assert (reply.pricing_category, reply.pricing_type, reply.billable) == ("service", "regular", True)
    statuses = [
        s["status"]
        for event in WebhookEvent.objects.order_by("received_at")
        for entry in event.payload["entry"]
        for change in entry["changes"]
        for s in change["value"].get("statuses", [])
    ]
    assert statuses == ["sent", "delivered", "read"]  # each stored only because its signature was valid


def test_a_conversation_started_from_an_ad_is_a_free_entry_point(status_webhooks, number):
    inbound = {"phone_number_id": number.phone_number_id, "from": "+573004440000", "text": "Vi su anuncio"}
    answer = requests.post(f"{status_webhooks}/sandbox/api/inbound", json={**inbound, "from_ad": True}, timeout=10)
    assert SandboxMessage.objects.get(wamid=answer.json()["wamid"]).body["referral"]["source_type"] == "ad"
    reply = Message.objects.get(direction="out")
    assert wait_for(lambda: Message.objects.get(pk=reply.pk).status == "read")
    reply.refresh_from_db()
    assert (reply.pricing_category, reply.pricing_type, reply.billable) == ("service", "free_entry_point", False)


def test_undeliverable_recipient_gets_a_failed_status(status_webhooks, number):
    contact = ContactFactory(client=number.client, wa_id="573001119999")
    open_window(phone_number_id=number.phone_number_id, wa_id="573001119999")
    message = record_outbound_message(conversation=ConversationFactory(number=number, contact=contact), text="Hola")
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == "failed")
    message.refresh_from_db()
    assert message.error_code == "131026"


def test_template_review_posts_a_status_update(status_webhooks, operator):
    body = [{"type": "BODY", "text": "Tu cita es mañana."}]
    created = operator.create_template(settings.WHATSAPP_BUSINESS_ACCOUNT_ID, "recordatorio", "es", "UTILITY", body)

    def template_events():
        return [e for e in WebhookEvent.objects.all() if "message_template_status_update" in e.fields]

    assert wait_for(template_events)
    value = template_events()[0].payload["entry"][0]["changes"][0]["value"]
    assert value["event"] == "APPROVED"
    assert (str(value["message_template_id"]), value["message_template_name"]) == (created["id"], "recordatorio")


def test_finishing_embedded_signup_posts_partner_added(status_webhooks):
    ids = requests.post(
        f"{status_webhooks}/sandbox/api/embedded-signup",
        json={"business_name": "Café Luna", "phone_number": "+573157770001"},
        timeout=10,
    ).json()

    def account_updates():
        return [e for e in WebhookEvent.objects.all() if "account_update" in e.fields]

    assert wait_for(account_updates)
    value = account_updates()[0].payload["entry"][0]["changes"][0]["value"]
    assert value == {
        "event": "PARTNER_ADDED",
        "waba_info": {"waba_id": ids["waba_id"], "owner_business_id": ids["business_id"]},
    }


@pytest.mark.django_db
def test_pricing_block_follows_the_2026_10_01_change():
    assert pricing("service", on=date(2026, 9, 30))["type"] == "free_customer_service"
    assert pricing("service", on=date(2026, 10, 1)) == {
        "billable": True,
        "pricing_model": "PMP",
        "type": "regular",
        "category": "service",
    }
    assert pricing("marketing", on=date(2026, 9, 30))["type"] == "regular"
    assert pricing("marketing", free_entry=True) == {
        "billable": False,
        "pricing_model": "PMP",
        "type": "free_entry_point",
        "category": "marketing",
    }
