"""Agent and integrator sends over real HTTP: /api/v1 → record → worker → Graph client → sandbox,
and the agent's text counts once as an agent reply in the number's usage."""

import pytest
import requests

from billing.models import UsagePeriod
from sandbox.models import SandboxPhoneNumber, SandboxTemplate
from tenants.authentication import create_api_key
from tests.factories import ContactFactory, ConversationFactory
from tests.support import customer_writes, sent_to
from tests.whatsapp.api_support import token_header
from whatsapp.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


def test_agent_text_reaches_the_customer_and_counts_as_an_agent_reply(sandbox_live, number):
    # A person already owns the thread, so the customer's message gets no AI reply.
    conversation = ConversationFactory(
        number=number, contact=ContactFactory(client=number.client, wa_id="573001112233"), owner="human"
    )
    customer_writes(sandbox_live, number, "¿Me atiende una persona?")
    _, token = token_header(number.client)

    response = requests.post(
        f"{sandbox_live}/api/v1/conversations/{conversation.pk}/messages",
        json={"text": "Hola Ana, soy Carla de la tienda."},
        headers={"Authorization": token},
        timeout=30,
    )

    assert response.status_code == 202, response.text
    assert response.json()["status"] == "pending"
    [delivered] = sent_to(sandbox_live, number, "+573001112233")
    assert delivered["text"] == "Hola Ana, soy Carla de la tienda."
    message = Message.objects.get(pk=response.json()["id"])
    assert (message.status, message.sent_by, message.wamid) == ("sent", "agent", delivered["wamid"])
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.service_messages, usage.agent_replies, usage.ai_replies, usage.inbound_messages) == (1, 1, 0, 1)


def test_integrator_template_to_a_new_phone_reaches_the_sandbox(sandbox_live, number):
    account = SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id).account
    SandboxTemplate.objects.create(
        account=account,
        template_id="900000000000001",
        name="bienvenida",
        language="es",
        category="UTILITY",
        status="APPROVED",
        components=[{"type": "BODY", "text": "Hola {{first_name}}, gracias por escribirnos."}],
    )
    _, key = create_api_key(client=number.client, name="crm")

    response = requests.post(
        f"{sandbox_live}/api/v1/messages",
        json={
            "phone_number_id": number.phone_number_id,
            "to": "3109876543",
            "template": {"name": "bienvenida", "language": "es", "parameters": {"first_name": "Luis"}},
        },
        headers={"Authorization": f"Api-Key {key}"},
        timeout=30,
    )

    assert response.status_code == 202, response.text
    [delivered] = sent_to(sandbox_live, number, "+573109876543")
    assert delivered["type"] == "template"
    assert delivered["body"]["template"] == {
        "name": "bienvenida",
        "language": {"code": "es"},
        "components": [
            {"type": "body", "parameters": [{"type": "text", "parameter_name": "first_name", "text": "Luis"}]}
        ],
    }
    assert Message.objects.get(pk=response.json()["id"]).status == "sent"
    assert Conversation.objects.get().contact.wa_id == "573109876543"
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.template_messages, usage.service_messages) == (1, 0)


def test_the_api_sends_a_document_uploaded_to_whatsapp_first(sandbox_live, number, api_for):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from sandbox.services import open_window
    from tests.factories import ConversationFactory

    conversation = ConversationFactory(number=number, last_inbound_at=timezone.now())
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    api = api_for(number.client)
    url = f"/api/v1/conversations/{conversation.pk}/media"
    pdf = SimpleUploadedFile("menu.pdf", b"%PDF-1.4 menu", content_type="application/pdf")
    response = api.post(url, {"file": pdf, "caption": "El menú"}, format="multipart")
    assert response.status_code == 202, response.content
    body = response.json()
    assert (body["kind"], body["payload"]["filename"], body["payload"]["caption"]) == (
        "document",
        "menu.pdf",
        "El menú",
    )
    bad = api.post(
        url, {"file": SimpleUploadedFile("x.exe", b"MZ", content_type="application/x-msdownload")}, format="multipart"
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "unsupported_media"
