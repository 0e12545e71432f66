"""Real browser (Debian's chromium through Playwright) on a phone-sized screen: the phone page and the popup."""

from pathlib import Path

import pytest
from django.conf import settings

from sandbox.models import SandboxMessage
from tests.browser import phone_page, wait_until
from tests.sandbox.conftest import live_db
from whatsapp.client import GraphClient

pytestmark = [pytest.mark.browser, live_db]

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


@pytest.fixture
def page(sandbox_live, chromium):
    page = phone_page(chromium, timeout_ms=10_000)
    yield page
    page.context.close()


def test_customer_writes_sees_the_ai_reply_and_the_read_ticks(page, sandbox_live, number):
    page.goto(f"{sandbox_live}/sandbox/")
    page.select_option("#number", number.phone_number_id)
    page.fill("#me", "+573001112233")
    page.fill("#text", "Hola, ¿qué horario tienen?")
    page.click("#send")

    page.locator(".bubble.mine", has_text="Hola, ¿qué horario tienen?").wait_for()
    reply = page.locator(".bubble.theirs").first
    reply.wait_for()
    assert reply.inner_text().strip()
    # The product marked the customer's message read (with "typing…") before answering.
    page.locator(".bubble.mine .ticks.read").wait_for()

    page.click("#send-location")
    page.locator(".bubble.mine", has_text="📍").wait_for()
    page.locator(".chip", has_text="Sí").click()
    page.locator(".bubble.mine .text", has_text="Sí").wait_for()
    kinds = list(SandboxMessage.objects.filter(direction="in").values_list("type", flat=True))
    assert kinds == ["text", "location", "interactive"]
    assert page.evaluate("document.documentElement.lang") == "es"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sandbox-phone.png"), full_page=True)


def test_a_username_customer_writes_without_a_phone_and_is_answered(page, sandbox_live, number):
    page.goto(f"{sandbox_live}/sandbox/")
    page.select_option("#number", number.phone_number_id)
    page.fill("#me", "@Lucia.M")
    page.fill("#text", "Hola, ¿tienen citas mañana?")
    page.click("#send")

    page.locator(".bubble.mine", has_text="¿tienen citas mañana?").wait_for()
    page.locator(".bubble.theirs").first.wait_for()
    written = SandboxMessage.objects.get(direction="in")
    assert "from" not in written.body and written.body["from_user_id"] == written.wa_id  # the BSUID only
    assert SandboxMessage.objects.get(direction="out").body["recipient"] == written.wa_id


def test_the_phone_edits_and_deletes_its_last_message(page, sandbox_live, number):
    from tests.support import wait_for
    from whatsapp.models import Message

    page.goto(f"{sandbox_live}/sandbox/")
    page.select_option("#number", number.phone_number_id)
    page.fill("#me", "+573001112244")
    page.fill("#text", "¿Abren el domingo?")
    page.click("#send")
    page.locator(".bubble.mine", has_text="¿Abren el domingo?").wait_for()
    page.fill("#text", "¿Abren el sábado?")
    page.click("#event-edit")
    page.locator(".bubble.mine", has_text="¿Abren el sábado?").wait_for()
    original = Message.objects.get(direction="in")
    assert original.text == "¿Abren el sábado?" and original.edits[0]["text"] == "¿Abren el domingo?"
    page.click("#event-revoke")
    assert wait_for(lambda: Message.objects.get(pk=original.pk).deleted_at is not None, timeout=10)


def test_popup_posts_meta_events_to_its_opener(page, sandbox_live):
    page.goto(f"{sandbox_live}/sandbox/")  # any page of ours plays the product's onboarding page
    page.evaluate("window.received = []; window.addEventListener('message', e => window.received.push(e.data))")
    with page.expect_popup() as opened:
        page.evaluate("window.open('/sandbox/embedded-signup/?client=Caf%C3%A9%20Luna&phone=%2B573157770009', 'es')")
    popup = opened.value
    assert popup.input_value("#business_name") == "Café Luna"
    ARTIFACTS.mkdir(exist_ok=True)
    popup.screenshot(path=str(ARTIFACTS / "sandbox-embedded-signup.png"))
    popup.click("button[value=continue]")
    wait_until(page, "window.received.length === 2")
    finish, login = page.evaluate("window.received")
    assert (finish["type"], finish["event"]) == ("WA_EMBEDDED_SIGNUP", "FINISH")
    assert set(finish["data"]) == {"phone_number_id", "waba_id", "business_id"}
    token = GraphClient("").exchange_code(login["authResponse"]["code"])["access_token"]
    assert (
        GraphClient(token).get_phone_number(finish["data"]["phone_number_id"])["display_phone_number"]
        == "+573157770009"
    )
    popup.wait_for_event("close")

    with page.expect_popup() as opened:
        page.evaluate("window.received = []; window.open('/sandbox/embedded-signup/?lang=en', 'es2')")
    opened.value.click("button[value=cancel]")
    wait_until(page, "window.received.length === 2")
    cancel, no_login = page.evaluate("window.received")
    assert cancel["event"] == "CANCEL" and no_login == {"type": "SANDBOX_FB_LOGIN", "authResponse": None}
