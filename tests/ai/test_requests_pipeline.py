"""Requests as CRM records through the real path: signed webhook → worker → reply → Graph → sandbox.

Offline the assistant takes a request down in a short guided exchange; with OpenAI the model calls the
`record_request` tool (a recorded model reply served over real HTTP).
"""

import pytest
import requests
from django.core import mail

from ai.intake import request_intent
from ai.models import Persona
from ai.replies import generate_reply
from crm.demo import seed_demo
from sandbox.services import open_window
from tests.ai.support import inbound, load_faq, recorded_completion, text
from tests.factories import MembershipFactory, PersonaFactory
from whatsapp.models import Conversation, CustomerRequest, Message
from whatsapp.services.replies import answer_inbound_message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def salon(number):
    PersonaFactory(
        client=number.client,
        business_description="Peluquería en Medellín",
        request_fields="Nombre\nServicio\nDía y hora",
    )
    load_faq(number.client)
    MembershipFactory(client=number.client, user__email="duena@salon.example")
    return number


def say(post_webhook, number, body, sender="573001112233"):
    open_window(phone_number_id=number.phone_number_id, wa_id=sender)
    assert post_webhook(inbound(number, text(body), sender=sender)).status_code == 200
    return Message.objects.filter(direction="out").latest("pk").text


def delivered(base_url, number, to="+573001112233"):
    response = requests.get(
        f"{base_url}/sandbox/api/messages", params={"phone_number_id": number.phone_number_id, "to": to}, timeout=10
    )
    return [m["text"] for m in response.json()["results"]]


def test_the_guided_exchange_asks_each_detail_confirms_and_records_the_request(sandbox_live, salon, post_webhook):
    first = say(post_webhook, salon, "Hola, quiero reservar una cita para un corte")
    assert "reserva" in first and first.endswith("Por favor, indícame: Nombre")
    assert say(post_webhook, salon, "Ana Gómez") == "Por favor, indícame: Servicio"
    assert say(post_webhook, salon, "Corte y cepillado") == "Por favor, indícame: Día y hora"
    summary = say(post_webhook, salon, "el viernes a las 3 pm")
    assert "• Nombre: Ana Gómez\n• Servicio: Corte y cepillado\n• Día y hora: el viernes a las 3 pm" in summary
    assert CustomerRequest.objects.count() == 0  # nothing is recorded before the customer says yes

    done = say(post_webhook, salon, "Sí, así está bien")
    assert done.startswith("¡Listo! Registramos tu solicitud de reserva")

    request = CustomerRequest.objects.get()
    conversation = Conversation.objects.get()
    assert (request.client_id, request.contact_id, request.conversation_id) == (
        salon.client_id,
        conversation.contact_id,
        conversation.pk,
    )
    assert (request.kind, request.status, request.provider) == ("booking", "new", "offline")
    assert request.details == [
        {"field": "nombre", "label": "Nombre", "value": "Ana Gómez"},
        {"field": "servicio", "label": "Servicio", "value": "Corte y cepillado"},
        {"field": "dia_y_hora", "label": "Día y hora", "value": "el viernes a las 3 pm"},
    ]
    assert request.source_message_id == Message.objects.filter(direction="in").latest("pk").pk
    # The request is the conversion, the exchange is over, and the AI still answers.
    assert conversation.converted_at is not None
    assert conversation.request_draft is None
    assert conversation.owner == "ai"
    # Every step reached the customer's phone through the Graph API (the sandbox).
    sent = delivered(sandbox_live, salon)
    assert sent[0] == first and sent[-1] == done and len(sent) == 5
    # The owner hears of it the way a handoff is announced.
    [email] = mail.outbox
    assert email.to == ["duena@salon.example"]
    assert "Ana" in email.subject or "+573001112233" in email.subject
    assert "Día y hora: el viernes a las 3 pm" in email.body
    assert f"/app/inbox/{conversation.pk}/" in email.body
    # A retried reply task for the confirming message records nothing twice.
    assert answer_inbound_message(request.source_message_id) is None
    assert CustomerRequest.objects.count() == 1


def test_no_at_the_summary_starts_again_and_cancel_drops_the_exchange(sandbox_live, salon, post_webhook):
    say(post_webhook, salon, "me pueden llamar mañana?")
    assert Conversation.objects.get().request_draft["kind"] == "callback"
    say(post_webhook, salon, "Pedro")
    say(post_webhook, salon, "Uñas")
    say(post_webhook, salon, "mañana 10 am")
    again = say(post_webhook, salon, "no, está mal")
    assert again == "Sin problema, empecemos de nuevo. Por favor, indícame: Nombre"
    cancelled = say(post_webhook, salon, "mejor no, cancelar")
    assert cancelled.startswith("Listo, no registramos la solicitud")
    assert Conversation.objects.get().request_draft is None
    assert CustomerRequest.objects.count() == 0
    assert Conversation.objects.get().converted_at is None
    assert mail.outbox == []


def test_a_question_in_the_middle_is_answered_and_the_exchange_waits(sandbox_live, salon, post_webhook):
    say(post_webhook, salon, "quisiera agendar una cita")
    answer = say(post_webhook, salon, "¿tienen parqueadero?")
    assert "parqueadero gratis" in answer
    assert say(post_webhook, salon, "Lucía") == "Por favor, indícame: Servicio"


def test_a_business_without_request_fields_takes_no_requests(sandbox_live, salon, post_webhook):
    Persona.objects.filter(client=salon.client).update(request_fields="")

    reply = say(post_webhook, salon, "quiero reservar una cita")

    assert "indícame" not in reply
    assert Conversation.objects.get().request_draft is None


def test_the_model_records_the_request_through_its_tool(sandbox_live, salon, post_webhook, use_openai):
    # Recorded: after the customer confirmed the summary, the model called record_request.
    use_openai.recorded = recorded_completion("record_request_tool_call")

    reply = say(post_webhook, salon, "Sí, confirmo")

    request = CustomerRequest.objects.get()
    assert (request.kind, request.status, request.provider) == ("booking", "new", "openai")
    assert [d["value"] for d in request.details] == ["Ana Gómez", "Corte de cabello", "viernes 5 de diciembre, 3 pm"]
    assert reply.startswith("¡Listo! Registramos tu solicitud de reserva")
    assert delivered(sandbox_live, salon) == [reply]
    assert Conversation.objects.get().converted_at is not None
    assert len(mail.outbox) == 1
    # The product offered the tool built from the persona's details.
    [tool] = use_openai.requests[0]["tools"]
    assert tool["function"]["name"] == "record_request"
    parameters = tool["function"]["parameters"]
    assert parameters["required"] == ["kind", "nombre", "servicio", "dia_y_hora"]
    assert parameters["properties"]["dia_y_hora"]["description"].startswith("Día y hora")
    assert "Nombre, Servicio, Día y hora" in use_openai.requests[0]["messages"][0]["content"]


def test_a_tool_call_missing_a_detail_records_nothing(sandbox_live, salon, post_webhook, use_openai):
    recorded = recorded_completion("record_request_tool_call")
    call = recorded["choices"][0]["message"]["tool_calls"][0]["function"]
    call["arguments"] = '{"kind": "booking", "nombre": "Ana Gómez", "servicio": ""}'
    use_openai.recorded = recorded

    reply = say(post_webhook, salon, "Sí, confirmo")

    assert CustomerRequest.objects.count() == 0
    assert "Registramos" not in reply  # the customer is never told a half-filled request was taken down
    assert not any("request" in email.subject.lower() for email in mail.outbox)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hola, quiero reservar una mesa para 4", "booking"),
        ("me gustaría agendar una valoración", "booking"),
        ("¿me pueden llamar en la tarde?", "callback"),
        ("llámenme por favor", "callback"),
        ("quisiera hacer un pedido a domicilio", "order"),
        ("I'd like to book an appointment", "booking"),
        ("could you call me back?", "callback"),
        ("¿Cómo puedo agendar una cita?", None),  # asks how: the booking instructions answer it
        ("¿tienen parqueadero?", None),
        ("quiero saber el precio", None),
    ],
)
def test_the_wish_is_recognised_from_the_customers_words(text, kind):
    assert request_intent(text) == kind


def test_an_english_customer_is_guided_in_english(sandbox_live, salon, post_webhook):
    first = say(post_webhook, salon, "Hi, I would like to book an appointment please")

    assert first == "Happy to help with your booking! I need a few details to take it down. Please tell me: Nombre"


def test_the_demo_cafe_takes_an_order_down_with_its_own_details():
    seed_demo()
    cafe = Persona.objects.get(client__business_name="Café La Montaña")
    assert cafe.request_fields == "Nombre\nDirección\nPedido"

    start = generate_reply(client=cafe.client, customer_text="quiero hacer un pedido a domicilio", persona=cafe)
    assert start.text.endswith("Por favor, indícame: Nombre")
    name = generate_reply(client=cafe.client, customer_text="Lucía", persona=cafe, intake=start.intake_state)
    assert name.text == "Por favor, indícame: Dirección"
    assert name.intake_state == {"kind": "order", "values": {"nombre": "Lucía"}, "confirming": False}
    hello = generate_reply(client=cafe.client, customer_text="Hola", persona=cafe, intake=name.intake_state)
    assert hello.text == "Por favor, indícame: Dirección"  # a greeting is not the address
    assert hello.intake_state == name.intake_state
