"""The operator's back office: every page renders, searches work, actions do what they say."""

import pytest
from django.urls import reverse

from tenants.models import Client, WhatsAppNumber
from tests.factories import ClientFactory, MessageFactory, UserFactory, WhatsAppNumberFactory
from tests.meta_fixtures import text_message
from whatsapp.models import Message, WebhookEvent
from whatsapp.services.webhooks import store_webhook_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


ADMIN_PAGES = [
    "tenants_client",
    "tenants_whatsappnumber",
    "tenants_membership",
    "whatsapp_contact",
    "whatsapp_conversation",
    "whatsapp_message",
    "whatsapp_webhookevent",
]


@pytest.mark.parametrize("model", ADMIN_PAGES)
def test_every_changelist_renders_and_searches(operator, model):
    MessageFactory(text="¿Tienen domicilio?")
    url = reverse(f"admin:{model}_changelist")
    assert operator.get(url).status_code == 200
    assert operator.get(url, {"q": "domicilio"}).status_code == 200


def test_client_page_shows_numbers_inline(operator):
    number = WhatsAppNumberFactory()
    page = operator.get(reverse("admin:tenants_client_change", args=[number.client.pk]))
    assert page.status_code == 200
    assert number.phone_number in page.content.decode()


def test_suspend_and_resume_clients(operator):
    a, b = ClientFactory(), ClientFactory()
    url = reverse("admin:tenants_client_changelist")
    operator.post(url, {"action": "suspend_clients", "_selected_action": [a.pk]})
    assert Client.objects.get(pk=a.pk).status == "suspended"
    assert Client.objects.get(pk=b.pk).status == "active"
    operator.post(url, {"action": "resume_clients", "_selected_action": [a.pk]})
    assert Client.objects.get(pk=a.pk).status == "active"


def test_suspend_and_resume_numbers(operator):
    number = WhatsAppNumberFactory()
    url = reverse("admin:tenants_whatsappnumber_changelist")
    operator.post(url, {"action": "suspend_numbers", "_selected_action": [number.pk]})
    assert WhatsAppNumber.objects.get(pk=number.pk).status == "suspended"
    operator.post(url, {"action": "resume_numbers", "_selected_action": [number.pk]})
    assert WhatsAppNumber.objects.get(pk=number.pk).status == "active"


def test_reprocess_a_webhook_that_arrived_before_its_number_was_known(operator):
    number = WhatsAppNumberFactory.build(phone_number_id="555000111222333", waba_id="1")
    import json

    event = store_webhook_event(json.dumps(text_message(number, wamid="wamid.EARLY")).encode())
    # The number is connected afterwards; the operator reprocesses the stored event.
    WhatsAppNumberFactory(phone_number_id="555000111222333", phone_number=number.phone_number)
    url = reverse("admin:whatsapp_webhookevent_changelist")
    operator.post(url, {"action": "reprocess", "_selected_action": [event.pk]})
    assert Message.objects.filter(wamid="wamid.EARLY").exists()
    assert WebhookEvent.objects.get(pk=event.pk).outcome == "processed"
    # Reprocessing again changes nothing: the wamid is already stored.
    operator.post(url, {"action": "reprocess", "_selected_action": [event.pk]})
    assert Message.objects.filter(wamid="wamid.EARLY").count() == 1


def test_non_staff_cannot_enter(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:tenants_client_changelist"))
    assert response.status_code == 302


def test_take_over_and_hand_back_from_the_back_office(operator):
    from tests.factories import ConversationFactory
    from whatsapp.models import Conversation

    conversation = ConversationFactory(needs_attention=True)
    url = reverse("admin:whatsapp_conversation_changelist")
    operator.post(url, {"action": "give_to_human", "_selected_action": [conversation.pk]})
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert (conversation.owner, conversation.needs_attention) == ("human", False)
    assert conversation.handoff_reason.startswith("Taken over by")
    operator.post(url, {"action": "give_to_ai", "_selected_action": [conversation.pk]})
    assert Conversation.objects.get(pk=conversation.pk).owner == "ai"
