"""Issue 12, item 9, in Debian's chromium at 1366x900: the inbox agents live in. The list and the thread side by
side (as in WhatsApp Web), conversations needing a person first, unread counts, new messages and handoffs
arriving without a reload, the 24-hour window with its time left, Enter to send and Shift+Enter for a new line.
On a phone the list and the thread stay separate pages. Screenshots land in test-artifacts/portal/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import phone_page, wait_until
from tests.factories import KnowledgeEntryFactory, MembershipFactory
from tests.portal.conftest import PASSWORD
from tests.support import customer_writes
from whatsapp.models import Conversation, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
ANA, LUIS = "+573001112233", "+573004445566"


@pytest.fixture
def owner(number):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    KnowledgeEntryFactory(client=number.client, question="¿Tienen pan integral?", answer="Sí, todos los días.")
    return MembershipFactory(client=number.client, user__password=PASSWORD, user__first_name="Marta").user


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tabs")


def row(page, conversation: Conversation):
    return page.locator(f"#side-list [data-conversation='{conversation.pk}']")


def test_desktop_inbox_side_by_side_live_unread_window_and_keyboard_send(sandbox_live, number, owner, chromium):
    customer_writes(sandbox_live, number, "Hola, ¿tienen pan integral?", sender=ANA, profile_name="Ana Gómez")
    customer_writes(sandbox_live, number, "Quiero hablar con un asesor", sender=LUIS, profile_name="Luis Pérez")
    ana = Conversation.objects.get(contact__wa_id=ANA.lstrip("+"))
    luis = Conversation.objects.get(contact__wa_id=LUIS.lstrip("+"))
    assert luis.needs_attention and not ana.needs_attention
    # Ana writes again (the newest activity); the assistant answers her from the knowledge base.
    customer_writes(sandbox_live, number, "¿Y el pan integral lo tienen hoy?", sender=ANA, profile_name="Ana Gómez")

    context = chromium.new_context(**DESKTOP, locale="es-CO")
    page = context.new_page()
    page.set_default_timeout(20_000)
    log_in(page, sandbox_live, owner.email)
    page.click("#nav-inbox")
    rows = page.locator("#conversation-list a.conv")
    assert rows.nth(0).get_attribute("data-conversation") == str(luis.pk)  # needs a person: first, though older
    assert rows.nth(1).get_attribute("data-conversation") == str(ana.pk)
    assert page.get_attribute(f"#conversation-list [data-conversation='{ana.pk}']", "data-unread") == "2"
    assert page.is_visible("#inbox-empty")  # the right pane waits for a conversation
    page.screenshot(path=str(ARTIFACTS / "50-inbox-desktop.png"))

    page.click(f"#conversation-list [data-conversation='{ana.pk}']")
    page.wait_for_selector("#side-list")
    side, thread = page.locator("#inbox-side").bounding_box(), page.locator("#messages").bounding_box()
    assert side["x"] + side["width"] <= thread["x"]  # side by side, list on the left
    assert side["y"] < thread["y"] + thread["height"] and thread["y"] < side["y"] + side["height"]
    assert row(page, ana).get_attribute("aria-current") == "true"
    assert row(page, ana).get_attribute("data-unread") == "0"  # opening the thread read it
    assert "quedan 23 h" in page.inner_text("#window-left")
    assert page.get_attribute("#window-left", "data-open") == "true"

    # Another customer writes: the list shows it unread without a reload.
    customer_writes(sandbox_live, number, "¿Me atienden?", sender=LUIS, profile_name="Luis Pérez")
    wait_until(page, f"document.querySelector(\"#side-list [data-conversation='{luis.pk}']\").dataset.unread === '2'")
    # Ana writes in the open thread: it appears, and stays read for the list; asking for a person hands off.
    customer_writes(sandbox_live, number, "Mejor quiero hablar con una persona", sender=ANA, profile_name="Ana Gómez")
    page.wait_for_selector(".msg.in >> text=quiero hablar con una persona")
    wait_until(page, "document.getElementById('thread-head').innerText.includes('Necesita una persona')")
    wait_until(page, f"document.querySelector(\"#side-list [data-conversation='{ana.pk}']\").dataset.unread === '0'")

    # Enter sends; Shift+Enter is a new line inside the same message.
    page.click("#id_text")
    page.keyboard.type("Hola Ana, soy Marta.")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("Te ayudo ya.")
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.out >> text=Te ayudo ya.")
    reply = Message.objects.get(conversation=ana, direction="out", sent_by="agent")
    assert reply.text == "Hola Ana, soy Marta.\nTe ayudo ya."
    assert page.input_value("#id_text") == ""
    page.screenshot(path=str(ARTIFACTS / "51-thread-desktop.png"))
    context.close()


def test_on_a_phone_the_list_and_the_thread_stay_separate(sandbox_live, number, owner, chromium):
    customer_writes(sandbox_live, number, "Hola, ¿tienen pan integral?", sender=ANA, profile_name="Ana Gómez")
    ana = Conversation.objects.get(contact__wa_id=ANA.lstrip("+"))
    page = phone_page(chromium)
    log_in(page, sandbox_live, owner.email)
    page.goto(f"{sandbox_live}/app/inbox/")
    assert not page.is_visible("#inbox-empty")
    page.click(f"#conversation-list [data-conversation='{ana.pk}']")
    page.wait_for_selector("#messages")
    assert not page.is_visible("#inbox-side") and page.is_visible("text=← Bandeja")
    assert "quedan 23 h" in page.inner_text("#window-left")
    page.screenshot(path=str(ARTIFACTS / "52-thread-phone.png"), full_page=True)
    page.context.close()
