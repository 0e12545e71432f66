"""The portal in Debian's chromium on a phone-sized screen (390x844): log in as the owner, open the conversation,
take it over, reply, see the reply in the thread, and see the customer's next message and the delivery ticks
arrive without reloading. Screenshots of every page land in test-artifacts/portal/ (gitignored)."""

from __future__ import annotations

from pathlib import Path

import pytest

from billing.services import usage_period_for
from tests.browser import phone_page
from tests.factories import KnowledgeEntryFactory, MembershipFactory, UserFactory
from tests.portal.conftest import PASSWORD
from tests.support import customer_writes
from whatsapp.models import Conversation, Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
CUSTOMER = "+573001112233"


@pytest.fixture
def browser(chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return chromium


def phone(browser):
    return phone_page(browser)


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")


def test_owner_takes_over_and_replies_on_a_phone(sandbox_live, number, browser, settings):
    settings.SANDBOX_STATUS_WEBHOOKS = True  # the sandbox reports sent → delivered → read, as Meta does
    owner = MembershipFactory(client=number.client, user__password=PASSWORD, user__first_name="Marta").user
    KnowledgeEntryFactory(
        client=number.client, question="¿Tienen pan integral?", answer="Sí, todos los días desde las 7."
    )
    customer_writes(sandbox_live, number, "Hola, ¿tienen pan integral hoy?", profile_name="Ana Gómez")
    conversation = Conversation.objects.get(client=number.client)
    page = phone(browser)

    page.goto(f"{sandbox_live}/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "es"
    shot(page, "01-login")
    log_in(page, sandbox_live, owner.email)
    page.wait_for_selector("#stat-needs-person")
    shot(page, "02-home")

    page.click("#nav-inbox")
    page.wait_for_selector(f"[data-conversation='{conversation.pk}']")
    shot(page, "03-inbox")
    page.click(f"[data-conversation='{conversation.pk}']")
    page.wait_for_selector("#take-over")
    page.click("#take-over")
    page.wait_for_selector("#hand-back")
    assert Conversation.objects.get(pk=conversation.pk).owner == "human"

    page.fill("#id_text", "¡Hola Ana! Sí, sale a las 4 pm.")
    page.click("#send-form button[type=submit]")
    page.wait_for_selector(".msg.out >> text=sale a las 4 pm")
    reply = Message.objects.get(direction="out", sent_by="agent")
    assert reply.text == "¡Hola Ana! Sí, sale a las 4 pm."
    # Delivery ticks and the customer's next message arrive by polling, without a reload.
    page.wait_for_selector(f"#message-{reply.pk}[data-status='read']", timeout=30_000)
    customer_writes(sandbox_live, number, "Perfecto, paso a las 5", profile_name="Ana Gómez")
    page.wait_for_selector(".msg.in >> text=paso a las 5", timeout=30_000)
    assert Message.objects.filter(direction="out").count() == 2  # the AI stayed quiet after the takeover
    shot(page, "04-thread")

    page.goto(f"{sandbox_live}/app/assistant/")
    page.fill("#id_message", "¿Cuál es el horario?")
    page.click("#preview-form button[type=submit]")
    page.wait_for_selector("#preview-handoff")
    shot(page, "05-assistant")
    page.goto(f"{sandbox_live}/app/numbers/")
    page.wait_for_selector(".qr svg")
    shot(page, "06-numbers")
    period = usage_period_for(number=number)
    assert period.agent_replies == 1
    page.goto(f"{sandbox_live}/app/usage/")
    page.wait_for_selector("svg.chart")
    shot(page, "07-usage")
    page.goto(f"{sandbox_live}/app/settings/api-keys/")
    page.fill("#id_name", "Sitio web")
    page.click("#api-key-form button[type=submit]")
    page.wait_for_selector("#new-secret-value")
    shot(page, "08-api-keys")

    page.click("button[data-lang=en]")
    page.wait_for_selector("#api-key-form")
    assert page.locator("html").get_attribute("lang") == "en"
    page.goto(f"{sandbox_live}/app/")
    shot(page, "09-home-en")
    page.context.close()


def test_operator_dashboard_on_a_phone(sandbox_live, number, browser):
    staff = UserFactory(is_staff=True, password=PASSWORD)
    page = phone(browser)
    log_in(page, sandbox_live, staff.email)
    page.wait_for_selector("#clients-table")
    assert page.url.endswith("/dashboard/")
    assert number.client.business_name in page.inner_text("#clients-table")
    shot(page, "10-dashboard")
    page.context.close()
