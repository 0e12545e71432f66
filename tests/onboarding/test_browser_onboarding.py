"""The whole hosted onboarding in Debian's chromium on a phone-sized screen and on a desktop, with screenshots.

signup page → choose hosted → number → code read from the sandbox → describe the business → live page with QR;
on the desktop also a wrong code (the error names the SMS, as the page does), the steps counted from 1, the
password saved and the way from the live page into the inbox.
Screenshots land in test-artifacts/onboarding/ (gitignored) for people to look at.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from ai.models import Persona
from tenants.models import WhatsAppNumber
from tests.browser import assert_fields_use_the_page_font, wait_until
from tests.browser import phone_page as open_phone_page
from tests.onboarding.conftest import new_phone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "onboarding"


@pytest.fixture
def phone_page(chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = open_phone_page(chromium)
    yield page
    page.context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_hosted_onboarding_on_a_phone(sandbox_live, phone_page):
    page = phone_page
    phone = new_phone()

    page.goto(f"{sandbox_live}/signup/")
    assert page.locator("html").get_attribute("lang") == "es"
    shot(page, "01-signup")
    page.fill("#id_name", "Ana Pérez")
    page.fill("#id_email", "ana@example.com")
    page.fill("#id_business_name", "Panadería Ana")
    page.click("#signup-form button[type=submit]")

    page.wait_for_selector("#choose-hosted")
    shot(page, "02-choose")
    page.click("#choose-hosted")

    page.wait_for_selector("#hosted-form")
    page.fill("#id_phone_number", phone)
    shot(page, "03-number")
    page.click("#hosted-form button[type=submit]")

    page.wait_for_selector("#verify-form")
    code = requests.get(f"{sandbox_live}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    page.fill("#id_code", code)
    shot(page, "04-code")
    page.click("#verify-form button[type=submit]")

    page.wait_for_selector("#business-form")
    # Two texts, two labels: the customer's line on the QR code and the assistant's own welcome (issue 12).
    form = page.inner_text("#business-form")
    assert "Mensaje que tus clientes te envían desde el código QR" in form
    assert "Bienvenida de tu asistente" in form
    assert page.input_value("#id_click_to_chat_text") == "Hola Panadería Ana, quisiera más información."
    page.fill("#id_business_description", "Pan artesanal, tortas por encargo y domicilios en el barrio.")
    page.fill("#id_greeting", "¡Hola! Soy el asistente de Panadería Ana. ¿Qué se te antoja hoy?")
    page.fill("#id_business_hours", "Lunes a sábado, 7:00 a 19:00")
    shot(page, "05-business")
    page.click("#business-form button[type=submit]")

    page.wait_for_selector("#live-number")
    assert page.get_attribute("#live-number", "data-phone") == phone
    assert page.inner_text("#live-number").replace(" ", "") == phone
    assert page.locator("#chat-qr svg").count() == 1
    chat_link = page.get_attribute("#open-chat", "href")
    assert chat_link.endswith("?text=Hola%20Panader%C3%ADa%20Ana%2C%20quisiera%20m%C3%A1s%20informaci%C3%B3n.")
    qr, frame = page.locator("#chat-qr svg").bounding_box(), page.locator("#chat-qr").bounding_box()
    assert qr["x"] >= frame["x"] and qr["x"] + qr["width"] <= frame["x"] + frame["width"] + 0.5  # not clipped
    assert qr["y"] >= frame["y"] and qr["y"] + qr["height"] <= frame["y"] + frame["height"] + 0.5
    href = page.get_attribute("#download-chat-qr", "href")
    assert href and href.endswith("whatsapp-qr.png")
    shot(page, "06-live")

    # Switch to English on the live page.
    page.click("button[data-lang=en]")
    page.wait_for_selector("#live-number")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "You are live!" in page.inner_text("h1")
    shot(page, "07-live-en")

    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert number.status == "active" and number.connection_type == "hosted"
    assert Persona.objects.get(client=number.client).business_hours == "Lunes a sábado, 7:00 a 19:00"
    assert sorted(p.name for p in ARTIFACTS.glob("0*.png"))[:6] == [
        "01-signup.png",
        "02-choose.png",
        "03-number.png",
        "04-code.png",
        "05-business.png",
        "06-live.png",
    ]


DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "es-CO"}


def _step(page) -> int:
    """The progress bar's "Paso n de 5", as n; every onboarding page shows it."""
    match = re.fullmatch(r"Paso (\d) de 5", page.inner_text(".progress small").strip())
    assert match, page.inner_text(".progress small")
    return int(match.group(1))


def test_hosted_onboarding_on_a_desktop_from_signup_to_the_inbox(sandbox_live, chromium):
    """At 1366x900: steps numbered from 1, the code step says SMS throughout (its error too), no monospace
    field, and the live page leads on: "Contraseña guardada." then "Ir a tu bandeja de entrada" to the inbox."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_context(**DESKTOP).new_page()
    page.set_default_timeout(20_000)
    phone = new_phone()
    steps = []

    page.goto(f"{sandbox_live}/signup/")
    steps.append(_step(page))
    assert_fields_use_the_page_font(page)
    shot(page, "20-signup-desktop")
    page.fill("#id_name", "Marta Ruiz")
    page.fill("#id_email", "marta@example.com")
    page.fill("#id_business_name", "Panadería Doña Marta")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#choose-hosted")
    steps.append(_step(page))
    page.click("#choose-hosted")

    page.wait_for_selector("#hosted-form")
    steps.append(_step(page))
    assert "por SMS" in page.inner_text("main")
    assert_fields_use_the_page_font(page)
    page.fill("#id_phone_number", phone)
    page.click("#hosted-form button[type=submit]")

    page.wait_for_selector("#verify-form")
    steps.append(_step(page))
    assert "por SMS" in page.inner_text("main .lead")
    assert_fields_use_the_page_font(page)
    code = requests.get(f"{sandbox_live}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    wrong = "000000" if code != "000000" else "111111"
    page.fill("#id_code", wrong)
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#verify-form .error")
    error = page.inner_text("#verify-form .error >> nth=0")
    assert "SMS" in error and "WhatsApp" not in error  # the same channel as the page says
    code_step = page.inner_text("main")
    assert "SMS" in page.inner_text("main .lead") and "mensaje de WhatsApp" not in code_step
    assert page.locator("button[value=SMS]").inner_text() == "Enviar otro SMS"
    shot(page, "21-code-error-desktop")
    page.fill("#id_code", code)
    page.click("#verify-form button[type=submit]")

    page.wait_for_selector("#business-form")
    steps.append(_step(page))
    assert_fields_use_the_page_font(page)
    page.fill("#id_business_description", "Pan artesanal, tortas por encargo y domicilios en el barrio.")
    page.click("#business-form button[type=submit]")

    page.wait_for_selector("#live-number")
    steps.append(_step(page))
    assert steps == sorted(steps) and steps[0] == 1 and steps[-1] == 5  # "Paso 0 de 4" is gone
    assert page.locator("#go-to-portal").count() == 0  # first the password, without which no inbox opens
    page.fill("#id_password", "pan-de-bono-2026")
    page.click("main form[action$='/password/'] button[type=submit]")
    page.wait_for_selector("#password-saved")
    assert "Contraseña guardada" in page.inner_text("#password-saved")
    go = page.locator("#go-to-portal")
    assert go.inner_text() == "Ir a tu bandeja de entrada" and go.is_visible()
    saved, button = page.locator("#password-saved").bounding_box(), go.bounding_box()
    assert 0 <= button["y"] - (saved["y"] + saved["height"]) < 40  # the notice sits right above where it leads
    shot(page, "22-live-password-saved-desktop")

    go.click()  # the way on: log in with the new password, land in the portal
    page.wait_for_selector("#login-form")
    page.fill("#id_username", "marta@example.com")
    page.fill("#id_password", "pan-de-bono-2026")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tabs")
    assert page.url == f"{sandbox_live}/app/"
    assert "Panadería Doña Marta" in page.inner_text("#client-name")
    page.click("#nav-inbox")
    page.wait_for_selector("#tabs a.on#nav-inbox")
    shot(page, "23-inbox-after-onboarding-desktop")
    page.context.close()


def sign_up_in_browser(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/signup/")
    page.fill("#id_name", "Luis Gómez")
    page.fill("#id_email", email)
    page.fill("#id_business_name", "Taller Luis")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#choose-embedded")


def test_embedded_signup_through_the_sandbox_popup(sandbox_live, phone_page):
    page = phone_page
    phone = new_phone()
    sign_up_in_browser(page, sandbox_live, "luis@example.com")
    page.click("#choose-embedded")
    page.wait_for_selector("#es-start")
    shot(page, "10-embedded-start")

    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.wait_for_selector("#phone_number")
    assert popup.input_value("#business_name") == "Taller Luis"
    popup.fill("#phone_number", phone)
    popup.screenshot(path=str(ARTIFACTS / "11-embedded-popup.png"), full_page=True)
    popup.click("button[value=continue]")

    # The popup hands over the ids and the 30-second code; the page posts them and moves on.
    page.wait_for_selector("#business-form")
    shot(page, "12-embedded-connected")
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert (number.status, number.connection_type) == ("active", "embedded")
    assert number.business_token


@pytest.mark.parametrize("variation", ["order=code_first", "finish=only_waba&order=code_first"])
def test_embedded_signup_waits_for_both_halves_in_any_order(sandbox_live, phone_page, variation):
    """Meta sends the login code and the session info in no fixed order, and may finish with a WABA only."""
    page = phone_page
    phone = new_phone()
    sign_up_in_browser(page, sandbox_live, "ines@example.com")
    page.click("#choose-embedded")
    page.wait_for_selector("#es-start")
    page.goto(f"{page.url}?{variation}")
    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.fill("#phone_number", phone)
    popup.click("button[value=continue]")

    page.wait_for_selector("#business-form")
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert (number.status, number.connection_type) == ("active", "embedded")


def test_a_finish_without_login_code_asks_for_one_more_press(sandbox_live, phone_page):
    page = phone_page
    phone = new_phone()
    sign_up_in_browser(page, sandbox_live, "pablo@example.com")
    page.click("#choose-embedded")
    page.wait_for_selector("#es-start")
    connect_url = page.url
    page.goto(f"{connect_url}?auth=none")
    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.fill("#phone_number", phone)
    popup.click("button[value=continue]")
    page.locator("#es-status", has_text="una vez más").wait_for()
    assert not WhatsAppNumber.objects.filter(phone_number=phone).exists()

    page.goto(connect_url)  # the second press: Meta hands over the code this time
    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.fill("#phone_number", phone)
    popup.click("button[value=continue]")
    page.wait_for_selector("#business-form")
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "active"


def test_cancelled_embedded_signup_is_explained(sandbox_live, phone_page):
    page = phone_page
    sign_up_in_browser(page, sandbox_live, "marta@example.com")
    page.click("#choose-embedded")
    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.wait_for_selector("button[value=cancel]")
    popup.click("button[value=cancel]")

    page.wait_for_selector("#es-status:not([hidden])")
    page.wait_for_function("document.getElementById('es-status').textContent.includes('Facebook')")
    assert "Cerraste la ventana de Facebook" in page.inner_text("#es-status")
    shot(page, "13-embedded-cancelled")
    assert not WhatsAppNumber.objects.exists()


# What Meta's sdk.js does once loaded, reduced to the part the page relies on: define FB and call
# window.fbAsyncInit if the page has defined it by then (once).
FAKE_SDK = """
window.FB = { init: function (options) { window.fbInitOptions = options; }, login: function () {} };
if (window.fbAsyncInit && !window.fbAsyncInit.hasRun) { window.fbAsyncInit.hasRun = true; window.fbAsyncInit(); }
"""


def test_metas_sdk_finds_fbasyncinit_defined_when_it_loads(sandbox_live, phone_page, settings):
    """Our script is slowed down on purpose: the SDK must still run after it, or FB.init never happens."""
    import time

    page = phone_page
    page.goto(f"{sandbox_live}/signup/")
    page.fill("#id_name", "Ana Pérez")
    page.fill("#id_email", "ana@example.com")
    page.fill("#id_business_name", "Panadería Ana")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#choose-hosted")
    onboarding = page.url

    settings.WHATSAPP_SANDBOX = False  # production: Meta's SDK instead of the sandbox's popup
    settings.WHATSAPP_APP_ID = "app-456"
    settings.WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID = "cfg-123"
    sdk_headers = {"Access-Control-Allow-Origin": "*", "Content-Type": "text/javascript"}
    page.route("https://connect.facebook.net/**", lambda route: route.fulfill(body=FAKE_SDK, headers=sdk_headers))

    def slow(route):
        time.sleep(0.8)
        route.continue_()

    page.route("**/static/onboarding/embedded-signup.js*", slow)
    page.goto(f"{onboarding}connect/")
    wait_until(page, "window.fbInitOptions !== undefined")
    options = page.evaluate("window.fbInitOptions")
    assert (options["appId"], options["version"]) == ("app-456", settings.WHATSAPP_GRAPH_VERSION)
