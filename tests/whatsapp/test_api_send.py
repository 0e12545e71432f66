"""Agent and integrator sends through /api/v1: the 24-hour window, template payloads, validation,
number state, recipients, rate limit. Sends are recorded `pending` and enqueued on commit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tenants.models import WhatsAppNumber
from tests.factories import ConversationFactory, WhatsAppNumberFactory
from tests.whatsapp.api_support import assert_error, key_api, open_conversation, token_api
from whatsapp.models import Contact, Conversation, Message

pytestmark = pytest.mark.django_db

WROTE_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


def send(api, conversation, data):
    return api.post(f"/api/v1/conversations/{conversation.pk}/messages", data, format="json")


def test_agent_text_inside_the_window_is_recorded_pending_and_enqueued(
    api_for, number, django_capture_on_commit_callbacks
):
    conversation = open_conversation(number)
    api = api_for(number.client)

    with django_capture_on_commit_callbacks() as callbacks:
        response = send(api, conversation, {"text": "Hola Ana, sí hacemos domicilios.", "unknown": "ignored"})

    assert response.status_code == 202, response.content
    body = response.json()
    message = Message.objects.get(direction="out")
    assert body["id"] == message.pk
    assert body["status"] == "pending"
    assert body["kind"] == "text"
    assert body["text"] == "Hola Ana, sí hacemos domicilios."
    assert body["sent_by"] == "agent"
    assert body["conversation"] == conversation.pk
    assert message.sent_by_user == api.user
    assert len(callbacks) == 1  # the send task is enqueued once the request commits


def test_sending_as_an_agent_does_not_take_the_conversation_from_the_ai(api_for, number):
    conversation = open_conversation(number)
    assert send(api_for(number.client), conversation, {"text": "Te ayudo yo"}).status_code == 202
    conversation.refresh_from_db()
    assert conversation.owner == "ai"


def test_window_rule_follows_the_clock():
    number = WhatsAppNumberFactory()
    conversation = ConversationFactory(number=number, last_inbound_at=WROTE_AT)
    api = token_api(number.client)

    with time_machine.travel(WROTE_AT + timedelta(hours=23, minutes=59), tick=False):
        assert send(api, conversation, {"text": "Aún a tiempo"}).status_code == 202
    with time_machine.travel(WROTE_AT + timedelta(hours=24, minutes=1), tick=False):
        error = assert_error(send(api, conversation, {"text": "Tarde"}), 422, "window_closed")
        # The message is translated (Spanish by default): it points to a template either way.
        assert "template" in error["message"] or "plantilla" in error["message"]
        assert send(api, conversation, {"template": {"name": "seguimiento", "language": "es"}}).status_code == 202
    assert list(Message.objects.filter(direction="out").values_list("kind", flat=True)) == ["text", "template"]


def test_window_closed_conversation_from_the_api_key(number):
    conversation = open_conversation(number, hours_ago=30)
    assert_error(send(key_api(number.client), conversation, {"text": "hola"}), 422, "window_closed")
    assert not Message.objects.filter(direction="out").exists()


def test_positional_template_payload_has_metas_shape(api_for, number):
    conversation = open_conversation(number, hours_ago=48)
    template = {"name": "recordatorio_cita", "language": "es_CO", "parameters": ["Ana", "10:30", 3]}

    body = send(api_for(number.client), conversation, {"template": template}).json()

    message = Message.objects.get(pk=body["id"])
    assert message.kind == "template"
    assert message.payload == {
        "name": "recordatorio_cita",
        "language": {"code": "es_CO"},
        "components": [
            {
                "type": "body",
                "parameters": [
                    {"type": "text", "text": "Ana"},
                    {"type": "text", "text": "10:30"},
                    {"type": "text", "text": "3"},
                ],
            }
        ],
    }
    assert body["payload"] == message.payload
    assert body["status"] == "pending"
    assert "recordatorio_cita" in message.text


def test_named_template_parameters_carry_parameter_name(api_for, number):
    conversation = open_conversation(number)
    template = {"name": "pedido_listo", "language": "es", "parameters": {"first_name": "Ana", "order_id": "A-17"}}

    body = send(api_for(number.client), conversation, {"template": template}).json()

    assert body["payload"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "parameter_name": "first_name", "text": "Ana"},
                {"type": "text", "parameter_name": "order_id", "text": "A-17"},
            ],
        }
    ]


def test_template_language_may_use_metas_code_object(api_for, number):
    conversation = open_conversation(number)
    template = {"name": "hello_world", "language": {"code": "en_US"}}
    body = send(api_for(number.client), conversation, {"template": template}).json()
    assert body["payload"]["language"] == {"code": "en_US"}


def test_template_without_parameters_has_no_components(api_for, number):
    conversation = open_conversation(number)
    body = send(api_for(number.client), conversation, {"template": {"name": "hello_world", "language": "en_US"}})
    assert body.json()["payload"] == {"name": "hello_world", "language": {"code": "en_US"}}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"text": "x" * 4097},
        {"text": "hola", "template": {"name": "hello_world", "language": "es"}},
        {"template": {"language": "es"}},
        {"template": {"name": "hello_world"}},
        {"template": {"name": "Hello World!", "language": "es"}},
        {"template": {"name": "hello_world", "language": "español"}},
        {"template": {"name": "hello_world", "language": {"codigo": "es"}}},
        {"template": {"name": "hello_world", "language": "es", "parameters": "Ana"}},
        {"template": {"name": "hello_world", "language": "es", "parameters": [{"x": 1}]}},
        {"template": {"name": "hello_world", "language": "es", "parameters": [""]}},
        {"template": {"name": "hello_world", "language": "es", "parameters": [True]}},
        {"template": {"name": "hello_world", "language": "es", "parameters": {"Bad Name": "x"}}},
        {"template": "hello_world"},
        ["text", "hola"],
    ],
)
def test_bad_send_input_is_400_and_records_nothing(api_for, number, data):
    conversation = open_conversation(number)
    response = send(api_for(number.client), conversation, data)
    assert_error(response, 400, "validation_error")
    assert not Message.objects.filter(direction="out").exists()


def test_text_of_4096_characters_is_accepted(api_for, number):
    conversation = open_conversation(number)
    assert send(api_for(number.client), conversation, {"text": "x" * 4096}).status_code == 202


def test_malformed_json_is_400(api_for, number):
    conversation = open_conversation(number)
    response = api_for(number.client).post(
        f"/api/v1/conversations/{conversation.pk}/messages", data="{nope", content_type="application/json"
    )
    assert_error(response, 400, "malformed_request")


@pytest.mark.parametrize("number_status", ["disconnected", "suspended", "pending"])
def test_sending_through_an_inactive_number_is_409(api_for, number, number_status):
    conversation = open_conversation(number)
    WhatsAppNumber.objects.filter(pk=number.pk).update(status=number_status)
    error = assert_error(send(api_for(number.client), conversation, {"text": "hola"}), 409, "number_inactive")
    assert error["details"] == {"status": number_status}
    assert not Message.objects.filter(direction="out").exists()


def test_a_suspended_client_cannot_send(api_for, number):
    conversation = open_conversation(number)
    api = api_for(number.client)
    number.client.status = "suspended"
    number.client.save()
    assert_error(send(api, conversation, {"text": "hola"}), 409, "client_suspended")


def test_sends_are_rate_limited_per_caller(api_for, number, settings):
    settings.API_SEND_CALLER_RATE = "2/min"
    conversation = open_conversation(number)
    api = api_for(number.client)
    assert [send(api, conversation, {"text": f"m{i}"}).status_code for i in range(2)] == [202, 202]
    assert_error(send(api, conversation, {"text": "m3"}), 429, "rate_limited")
    # Reads are not limited.
    assert api.get(f"/api/v1/conversations/{conversation.pk}/messages").status_code == 200


# --- POST /api/v1/messages -------------------------------------------------------------------
def start(api, data):
    return api.post("/api/v1/messages", data, format="json")


def test_template_to_a_new_phone_opens_contact_and_conversation(api_for, number, django_capture_on_commit_callbacks):
    data = {
        "phone_number_id": number.phone_number_id,
        "to": "300 123 4567",  # national: read as Colombian
        "template": {"name": "bienvenida", "language": "es", "parameters": ["Ana"]},
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = start(api_for(number.client), data)

    assert response.status_code == 202, response.content
    contact = Contact.objects.get()
    assert (contact.client_id, contact.wa_id) == (number.client_id, "573001234567")
    conversation = Conversation.objects.get()
    assert (conversation.number_id, conversation.contact_id) == (number.pk, contact.pk)
    assert response.json()["conversation"] == conversation.pk
    assert response.json()["kind"] == "template"
    assert response.json()["payload"]["components"][0]["parameters"] == [{"type": "text", "text": "Ana"}]
    assert len(callbacks) == 1


def test_text_to_a_new_phone_is_window_closed_and_creates_nothing(api_for, number):
    data = {"phone_number_id": number.phone_number_id, "to": "+573001234567", "text": "Hola"}
    assert_error(start(api_for(number.client), data), 422, "window_closed")
    assert not Contact.objects.exists()
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_text_continues_an_open_conversation(api_for, number):
    conversation = open_conversation(number)
    data = {"phone_number_id": number.phone_number_id, "to": conversation.contact.phone_number, "text": "Seguimos"}

    response = start(api_for(number.client), data)

    assert response.status_code == 202, response.content
    assert response.json()["conversation"] == conversation.pk
    assert Conversation.objects.count() == 1
    assert conversation.messages.filter(direction="out", text="Seguimos", sent_by="agent").exists()


def test_another_clients_number_is_404(api_for, number):
    stranger = WhatsAppNumberFactory()
    data = {
        "phone_number_id": stranger.phone_number_id,
        "to": "+573001234567",
        "template": {"name": "a", "language": "es"},
    }
    assert_error(start(api_for(number.client), data), 404, "number_not_found")
    data["phone_number_id"] = "123456789"
    assert_error(start(api_for(number.client), data), 404, "number_not_found")
    assert not Contact.objects.exists()


def test_inactive_number_is_409(api_for, number):
    WhatsAppNumber.objects.filter(pk=number.pk).update(status="disconnected")
    data = {
        "phone_number_id": number.phone_number_id,
        "to": "+573001234567",
        "template": {"name": "a", "language": "es"},
    }
    assert_error(start(api_for(number.client), data), 409, "number_inactive")
    assert not Contact.objects.exists()


@pytest.mark.parametrize("to", ["hola", "123", "+57", "+1 555", "+57 12"])
def test_invalid_recipient_is_400(api_for, number, to):
    data = {"phone_number_id": number.phone_number_id, "to": to, "template": {"name": "a", "language": "es"}}
    error = assert_error(start(api_for(number.client), data), 400, "invalid_phone_number")
    assert error["details"] == {"to": to}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"to": "+573001234567", "text": "hola"},
        {"phone_number_id": "X", "text": "hola"},
        {"phone_number_id": "X", "to": "+573001234567"},
    ],
)
def test_start_requires_number_recipient_and_content(api_for, number, data):
    data = {k: number.phone_number_id if v == "X" else v for k, v in data.items()}
    assert_error(start(api_for(number.client), data), 400, "validation_error")
