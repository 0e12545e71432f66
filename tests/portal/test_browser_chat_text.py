"""Issue 12, item 1, in Debian's chromium: the owner edits the customer's click-to-chat text and the assistant's
welcome as two fields; the QR link carries only the first, and the assistant answers it with the second."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from ai.models import Persona
from tests.browser import phone_page
from tests.portal.conftest import PASSWORD, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
CHAT_TEXT = "Hola Panadería Doña Marta, quisiera más información"
WELCOME = "¡Hola! Soy Marta, de la panadería. ¿Qué se te antoja hoy?"


def test_two_fields_the_qr_carries_the_customers_line_and_the_assistant_answers_it(live_server, chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tenant = make_tenant("Panadería Doña Marta")
    page = phone_page(chromium)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", tenant.owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tabs")

    page.goto(f"{live_server.url}/app/assistant/")
    persona = page.inner_text("#persona-form")
    assert "Mensaje que tus clientes te envían desde el código QR" in persona
    assert "Bienvenida de tu asistente" in persona
    assert "imprímelo de nuevo" in persona  # the help says the QR code changes with it

    page.fill("#id_click_to_chat_text", CHAT_TEXT.lower())
    page.fill("#id_greeting", CHAT_TEXT)  # the old mix-up is refused with a reason
    page.click("#persona-form button[type=submit]")
    assert "escríbela distinta del mensaje de tus clientes" in page.inner_text("#persona-form")

    page.fill("#id_click_to_chat_text", CHAT_TEXT)
    page.fill("#id_greeting", WELCOME)
    page.click("#persona-form button[type=submit]")
    page.wait_for_selector("#persona-form")
    persona = Persona.objects.get(client=tenant.client)
    assert (persona.click_to_chat_text, persona.greeting) == (CHAT_TEXT, WELCOME)

    # The customer sends what the QR typed for them: the assistant welcomes them, nobody is called.
    page.fill("#id_message", CHAT_TEXT)
    page.click("#preview-form button[type=submit]")
    page.wait_for_selector("#preview-reply")
    assert page.inner_text("#preview-reply .text") == WELCOME
    assert page.get_attribute("#preview-handoff", "data-handoff") == "false"
    page.screenshot(path=str(ARTIFACTS / "30-assistant-texts.png"), full_page=True)

    page.goto(f"{live_server.url}/app/numbers/")
    link = page.get_attribute(f"#open-chat-{tenant.number.pk}", "href")
    assert link.endswith("?text=" + quote(CHAT_TEXT))
    assert quote(WELCOME) not in page.content()
    page.context.close()
