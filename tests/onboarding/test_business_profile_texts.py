"""POST /api/clients/business-profile takes the customer's click-to-chat text and the assistant's welcome apart;
a caller that sends only the old `greeting` has it placed where it belongs, as the data migration did."""

from __future__ import annotations

import pytest

from ai.models import Persona

pytestmark = pytest.mark.django_db(transaction=True)


def profile(api, signup: dict, **fields) -> Persona:
    body = {"setup_code": signup["setup_code"], "business_description": "Pan", **fields}
    response = api.post("/api/clients/business-profile", body)
    assert response.status_code == 200, response.text
    return Persona.objects.get(client_id=signup["client_id"])


def test_both_texts_are_stored_as_sent(api):
    signup = api.register(business_name="Panadería Ana")
    persona = profile(api, signup, click_to_chat_text="Hola, quiero pan", greeting="¡Hola! Soy Lupe.")
    assert (persona.click_to_chat_text, persona.greeting) == ("Hola, quiero pan", "¡Hola! Soy Lupe.")


@pytest.mark.parametrize(
    ("greeting", "welcome", "chat_text"),
    [
        ("Hola Panadería Ana, quisiera más información", "", "Hola Panadería Ana, quisiera más información"),
        (
            "¡Bienvenido a Panadería Ana!",
            "¡Bienvenido a Panadería Ana!",
            "Hola Panadería Ana, quisiera más información.",
        ),
        ("", "", "Hola Panadería Ana, quisiera más información."),
    ],
)
def test_the_old_greeting_alone_is_placed_as_it_meant(api, greeting, welcome, chat_text):
    signup = api.register(business_name="Panadería Ana")
    persona = profile(api, signup, greeting=greeting)
    assert (persona.greeting, persona.click_to_chat_text) == (welcome, chat_text)


def test_a_welcome_equal_to_the_customers_line_is_a_400(api):
    signup = api.register(business_name="Panadería Ana")
    response = api.post(
        "/api/clients/business-profile",
        {
            "setup_code": signup["setup_code"],
            "business_description": "Pan",
            "greeting": "Hola",
            "click_to_chat_text": "hola",
        },
    )
    assert response.status_code == 400
    assert "greeting" in response.json()["error"]["details"]
