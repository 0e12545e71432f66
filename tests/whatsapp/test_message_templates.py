"""Templates as local rows: synced per WABA from Meta, kept current by Meta's template webhooks, read by pages
and the API without a Graph call; a customer who stopped marketing messages is never sent a marketing one."""

from __future__ import annotations

import pytest
from django.utils import timezone

from sandbox import message_templates as sandbox_templates
from sandbox.models import SandboxPhoneNumber, SandboxTemplate
from tests.factories import ContactFactory, ConversationFactory
from tests.sandbox.conftest import live_db
from tests.whatsapp.test_number_health import field_payload
from whatsapp.models import Message, MessageTemplate
from whatsapp.selectors import approved_templates, template_category
from whatsapp.services.message_templates import templates_sync_for_number


@live_db
def test_a_wabas_templates_are_synced_and_deleted_ones_go(sandbox_live, number):
    account = SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id).account
    sandbox_templates.ensure_defaults(account)
    SandboxTemplate.objects.create(
        account=account,
        template_id="777",
        name="promo_navidad",
        language="es",
        category="MARKETING",
        status="APPROVED",
        components=[{"type": "BODY", "text": "¡Ofertas de Navidad!"}],
    )
    number.waba_id = account.waba_id
    number.save(update_fields=["waba_id"])

    assert templates_sync_for_number(number_id=number.pk) == 2
    promo = MessageTemplate.objects.get(name="promo_navidad")
    assert (promo.category, promo.status, promo.body_text) == ("marketing", "APPROVED", "¡Ofertas de Navidad!")
    approved = MessageTemplate.objects.filter(waba_id=account.waba_id, status="APPROVED")
    assert set(approved.values_list("name", flat=True)) == {"hello_world", "promo_navidad"}

    SandboxTemplate.objects.filter(name="promo_navidad").delete()
    assert templates_sync_for_number(number_id=number.pk) == 1
    assert not MessageTemplate.objects.filter(name="promo_navidad").exists()


@pytest.mark.django_db
def test_template_webhooks_update_status_quality_and_category(post_webhook):
    waba = "900000000000001"
    base = {"message_template_id": 55, "message_template_name": "aviso_cita", "message_template_language": "es"}
    post_webhook(field_payload(waba, "message_template_status_update", {**base, "event": "APPROVED", "reason": None}))
    row = MessageTemplate.objects.get(waba_id=waba, name="aviso_cita")
    assert row.status == "APPROVED" and row.template_id == "55"
    post_webhook(
        field_payload(
            waba,
            "message_template_quality_update",
            {**base, "previous_quality_score": "GREEN", "new_quality_score": "YELLOW"},
        )
    )
    post_webhook(
        field_payload(
            waba, "template_category_update", {**base, "previous_category": "UTILITY", "new_category": "MARKETING"}
        )
    )
    post_webhook(field_payload(waba, "message_template_status_update", {**base, "event": "PAUSED"}))
    row.refresh_from_db()
    assert (row.status, row.quality_score, row.category) == ("PAUSED", "YELLOW", "marketing")
    assert template_category(waba_id=waba, name="aviso_cita", language="es") == "marketing"
    assert approved_templates(waba_id=waba) == []


@pytest.mark.django_db
def test_no_marketing_template_to_a_customer_who_stopped_them(api_for, number):
    for name, category in (("promo_navidad", "marketing"), ("aviso_cita", "utility")):
        MessageTemplate.objects.create(
            waba_id=number.waba_id, name=name, language="es", category=category, status="APPROVED"
        )
    contact = ContactFactory(client=number.client, marketing_opted_out_at=timezone.now())
    conversation = ConversationFactory(number=number, contact=contact)
    api = api_for(number.client)
    url = f"/api/v1/conversations/{conversation.pk}/messages"

    refused = api.post(url, {"template": {"name": "promo_navidad", "language": "es"}}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "marketing_opted_out"
    assert not Message.objects.filter(direction="out").exists()
    allowed = api.post(url, {"template": {"name": "aviso_cita", "language": "es"}}, format="json")
    assert allowed.status_code in (201, 202), allowed.content


@pytest.mark.django_db
def test_hosted_clients_see_and_send_only_their_own_templates_of_the_shared_waba(api_for, number, settings):
    from tests.factories import ClientFactory

    shared = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    number.waba_id = shared
    number.save(update_fields=["waba_id"])
    other = ClientFactory()
    for name, owner in (("mine", number.client), ("theirs", other), ("nobodys", None)):
        MessageTemplate.objects.create(
            waba_id=shared, client=owner, name=name, language="es", category="utility", status="APPROVED"
        )
    assert [t.name for t in approved_templates(waba_id=shared, client=number.client)] == ["mine"]
    assert [t.name for t in approved_templates(waba_id=shared, client=other)] == ["theirs"]

    conversation = ConversationFactory(number=number)
    url = f"/api/v1/conversations/{conversation.pk}/messages"
    api = api_for(number.client)
    refused = api.post(url, {"template": {"name": "theirs", "language": "es"}}, format="json")
    assert refused.status_code == 404 and refused.json()["error"]["code"] == "template_not_found"
    assert api.post(url, {"template": {"name": "mine", "language": "es"}}, format="json").status_code == 202
