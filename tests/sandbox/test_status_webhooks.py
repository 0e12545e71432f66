"""Status and template webhooks posted by the sandbox, signed, over real HTTP, to the product's webhook."""

from datetime import date

import pytest
import requests
from django.conf import settings

from sandbox.models import SandboxMessage, SandboxTemplate
from sandbox.services import marketing_stopped, open_window, pricing
from tests.factories import ContactFactory, ConversationFactory, MembershipFactory, SandboxAccountFactory
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


# The inbox is the portal's page: this test keeps every app in the registry (live_db trims it to the sandbox's).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("customer", "stopped_on_the_phone", "code", "step", "spanish", "english"),
    [
        ("573001114949", False, "131049", "marketing_limit", "Meta limita los mensajes de marketing", "Meta limits"),
        ("573001115050", False, "131050", "marketing_opted_out", "pidió no recibir marketing", "stopped marketing"),
        ("573001112233", True, "131050", "marketing_opted_out", "pidió no recibir marketing", "stopped marketing"),
    ],
)
def test_a_marketing_template_meta_will_not_deliver_fails_after_the_fact_with_a_next_step_in_the_inbox(
    status_webhooks, number, client, customer, stopped_on_the_phone, code, step, spanish, english
):
    """Meta accepts the send (200, a wamid) and fails it in a status webhook: 131049 for a customer who already
    got their share of marketing messages, 131050 for one who stopped them (on the phone, or magic `…5050`)."""
    SandboxTemplate.objects.create(
        account=SandboxAccountFactory(),
        template_id="9100000000001",
        name="promo_semana",
        language="es",
        category="MARKETING",
        status="APPROVED",
        components=[{"type": "BODY", "text": "Esta semana, pan al 2x1."}],
    )
    if stopped_on_the_phone:  # the customer tapped "stop"; its user_preferences webhook never reached us
        marketing_stopped(phone_number_id=number.phone_number_id, wa_id=customer, stopped=True)
    owner = MembershipFactory(client=number.client).user
    conversation = ConversationFactory(number=number, contact=ContactFactory(client=number.client, wa_id=customer))
    template = {"name": "promo_semana", "language": {"code": "es"}}
    message = record_outbound_message(conversation=conversation, kind="template", payload=template, text="promo")

    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == "failed")
    message.refresh_from_db()
    assert message.wamid.startswith("wamid.") and message.error_code == code  # accepted first, failed after
    assert wait_for(lambda: SandboxMessage.objects.get(wamid=message.wamid).status == "failed")
    conversation.refresh_from_db()
    assert conversation.next_step == step
    assert (conversation.contact.marketing_opted_out_at is not None) is (code == "131050")
    client.force_login(owner)
    page = client.get(f"/app/inbox/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="next-step"' in page and spanish in page
    page = client.get(f"/app/inbox/{conversation.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="next-step"' in page and english in page


def test_a_utility_template_to_a_customer_who_stopped_marketing_is_delivered(status_webhooks, number):
    marketing_stopped(phone_number_id=number.phone_number_id, wa_id="573001115050", stopped=True)
    contact = ContactFactory(client=number.client, wa_id="573001115050")
    conversation = ConversationFactory(number=number, contact=contact)
    SandboxTemplate.objects.create(
        account=SandboxAccountFactory(),
        template_id="9100000000002",
        name="recordatorio_cita",
        language="es",
        category="UTILITY",
        status="APPROVED",
        components=[{"type": "BODY", "text": "Tu cita es mañana."}],
    )
    template = {"name": "recordatorio_cita", "language": {"code": "es"}}
    message = record_outbound_message(conversation=conversation, kind="template", payload=template, text="cita")
    assert wait_for(lambda: Message.objects.get(pk=message.pk).status == "read")
    assert Message.objects.get(pk=message.pk).error_code == ""
