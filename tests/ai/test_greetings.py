"""The customer's click-to-chat text and the assistant's welcome are two texts (issue 12): the QR code types the
first on the customer's phone, the assistant answers it (and a bare "hola") with the second."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ai.greetings import is_click_to_chat_text, split_greeting
from ai.models import Persona
from ai.replies import generate_reply
from ai.services import persona_update
from core.exceptions import ApplicationError
from crm.demo import BUSINESSES, seed_demo
from tests.factories import PersonaFactory, connected_number

CAFE = BUSINESSES[0]


@pytest.mark.parametrize(
    ("old", "welcome", "chat_text"),
    [
        ("¡Hola! Soy el asistente de Café La Montaña ☕", "¡Hola! Soy el asistente de Café La Montaña ☕", ""),
        ("Bienvenida a Estética Bella Piel 💆‍♀️", "Bienvenida a Estética Bella Piel 💆‍♀️", ""),
        ("Hi! Welcome to Joe's. How can I help?", "Hi! Welcome to Joe's. How can I help?", ""),
        (
            "Hola Panadería Doña Marta, quisiera más información",
            "",
            "Hola Panadería Doña Marta, quisiera más información",
        ),
        ("Hola, quiero pedir pan", "", "Hola, quiero pedir pan"),
        ("  ", "", ""),
    ],
)
def test_an_old_greeting_goes_to_the_field_it_meant(old, welcome, chat_text):
    assert split_greeting(old) == (welcome, chat_text)


def test_the_click_to_chat_text_is_recognised_whatever_the_case_accents_and_punctuation():
    assert is_click_to_chat_text(
        "hola panaderia doña marta quisiera mas informacion", "Hola Panadería Doña Marta, quisiera más información."
    )
    assert not is_click_to_chat_text("Hola, ¿tienen pan integral?", "Hola Panadería, quisiera más información")
    assert not is_click_to_chat_text("hola", "")


@pytest.mark.django_db
def test_the_demo_cafe_customer_who_sends_the_qr_line_is_welcomed_not_handed_off():
    seed_demo()
    persona = Persona.objects.get(client__business_name=CAFE.business_name)
    draft = generate_reply(client=persona.client, customer_text=CAFE.click_to_chat_text)
    assert not draft.handoff
    assert draft.text == CAFE.greeting  # the assistant's welcome, not the customer's own line
    assert draft.text != CAFE.click_to_chat_text


@pytest.mark.django_db
def test_a_bare_hello_gets_the_welcome_and_an_empty_welcome_gets_ours():
    number = connected_number(client__business_name="Panadería Doña Marta")
    PersonaFactory(
        client=number.client, greeting="", click_to_chat_text="Hola Panadería Doña Marta, quisiera más información"
    )
    draft = generate_reply(client=number.client, customer_text="Hola Panadería Doña Marta, quisiera más información")
    assert not draft.handoff
    assert "Gracias por escribir a Panadería Doña Marta" in draft.text
    assert "quisiera" not in draft.text


@pytest.mark.django_db
def test_the_welcome_cannot_be_the_customers_line():
    number = connected_number()
    with pytest.raises(ApplicationError) as refused:
        persona_update(
            client=number.client, data={"greeting": "Hola, quiero pan", "click_to_chat_text": "hola quiero pan"}
        )
    assert "greeting" in refused.value.details


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_splits_stored_greetings():
    executor = MigrationExecutor(connection)
    executor.migrate([("ai", "0004_persona_click_to_chat_text")])
    old = executor.loader.project_state([("ai", "0004_persona_click_to_chat_text")]).apps
    cafe = connected_number(client__business_name="Café La Montaña").client
    bakery = connected_number(client__business_name="Panadería Doña Marta").client
    quiet = connected_number(client__business_name="Ferretería").client
    OldPersona = old.get_model("ai", "Persona")
    OldPersona.objects.create(client_id=cafe.pk, greeting="¡Hola! Soy el asistente de Café La Montaña ☕")
    OldPersona.objects.create(client_id=bakery.pk, greeting="Hola Panadería Doña Marta, quisiera más información")
    OldPersona.objects.create(client_id=quiet.pk, greeting="")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    got = {p.client.business_name: (p.greeting, p.click_to_chat_text) for p in Persona.objects.select_related("client")}
    assert got == {
        "Café La Montaña": (
            "¡Hola! Soy el asistente de Café La Montaña ☕",
            "Hola Café La Montaña, quisiera más información.",
        ),
        "Panadería Doña Marta": ("", "Hola Panadería Doña Marta, quisiera más información"),
        "Ferretería": ("", ""),
    }
