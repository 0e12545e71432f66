"""The onboarding pages with Django's test client; Graph calls go over HTTP to the live sandbox."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from ai.models import Persona
from tenants.models import Client, WhatsAppNumber
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def onboarding(client, api):
    """Sign up through the page; returns the onboarding path."""
    response = client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Panadería Ana"})
    assert response.status_code == 302
    return response["Location"]


def otp(api, phone):
    return requests.get(f"{api.base_url}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]


def test_hosted_onboarding_through_the_pages(client, api, onboarding):
    phone = new_phone()
    assert client.get(f"{onboarding}hosted/").status_code == 200
    response = client.post(f"{onboarding}hosted/", {"phone_number": phone, "display_name": "Panadería Ana"})
    assert response.status_code == 302 and response["Location"] == onboarding

    verify_page = client.get(onboarding)
    assert 'id="verify-form"' in verify_page.content.decode()
    assert 'data-number-status="code_sent"' in verify_page.content.decode()
    wrong = client.post(f"{onboarding}verify/", {"code": "000000" if otp(api, phone) != "000000" else "111111"})
    assert wrong.status_code == 400
    assert "4" in str(wrong.context["form"].errors["code"])  # tries left

    response = client.post(f"{onboarding}verify/", {"code": otp(api, phone)})
    assert response.status_code == 302
    assert client.get(onboarding)["Location"].endswith("/business/")

    business = {
        "business_description": "Pan artesanal y tortas",
        "click_to_chat_text": "Hola, quiero pedir pan",
        "greeting": "¡Hola! Soy Lupe, de la panadería. ¿Qué se te antoja?",
        "business_hours": "7-19",
    }
    assert client.post(f"{onboarding}business/", business).status_code == 302
    persona = Persona.objects.get(client__email="ana@example.com")
    assert (persona.business_description, persona.click_to_chat_text, persona.greeting, persona.business_hours) == (
        "Pan artesanal y tortas",
        "Hola, quiero pedir pan",
        "¡Hola! Soy Lupe, de la panadería. ¿Qué se te antoja?",
        "7-19",
    )

    live = client.get(f"{onboarding}live/")
    html = live.content.decode()
    assert live.status_code == 200 and phone in html and "<svg" in html
    assert f"https://wa.me/{phone.lstrip('+')}?text={quote('Hola, quiero pedir pan')}" in html
    assert quote("Soy Lupe") not in html  # the QR and link carry the customer's line, never the welcome
    png = client.get(f"{onboarding}whatsapp-qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")

    # The owner signed up without a password and sets one at the end.
    assert client.post(f"{onboarding}password/", {"password": "pan-de-bono-2026"}).status_code == 302
    assert Client.objects.get(email="ana@example.com").memberships.get().user.check_password("pan-de-bono-2026")
    second = client.post(f"{onboarding}password/", {"password": "otra-clave-2026"})
    assert second.status_code == 400  # a password already set is never replaced with a setup code


def test_page_errors_are_shown_in_the_owners_language(client, api, onboarding):
    response = client.post(f"{onboarding}hosted/", {"phone_number": "12"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "no parece un número de celular válido" in response.content.decode()
    phone = new_phone("0000")
    response = client.post(f"{onboarding}hosted/", {"phone_number": phone}, HTTP_ACCEPT_LANGUAGE="en")
    assert "still used by a WhatsApp" in response.content.decode()
    # The failed number and its reason stay visible on the onboarding page.
    page = client.get(onboarding, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-number-status="failed"' in page and "still used by a WhatsApp" in page


def test_resend_and_voice_fallback(client, api, onboarding, settings):
    phone = new_phone()
    client.post(f"{onboarding}hosted/", {"phone_number": phone})
    settings.ONBOARDING_RESEND_COOLDOWN_SECONDS = 60
    too_soon = client.post(f"{onboarding}resend/", {"method": "VOICE"}, HTTP_ACCEPT_LANGUAGE="en")
    assert too_soon.status_code == 429 and "Wait a minute" in too_soon.content.decode()
    settings.ONBOARDING_RESEND_COOLDOWN_SECONDS = 0
    first = otp(api, phone)
    resent = client.post(f"{onboarding}resend/", {"method": "VOICE"})
    assert resent.status_code == 302 and "resent=1" in resent["Location"]
    code = otp(api, phone)
    assert client.post(f"{onboarding}verify/", {"code": code}).status_code == 302
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "active"
    assert first is not None


def test_embedded_signup_page_uses_the_sandbox_popup(client, api, onboarding, settings):
    page = client.get(f"{onboarding}connect/").content.decode()
    assert 'data-sandbox="1"' in page and 'data-sandbox-url="/sandbox/embedded-signup/"' in page
    assert 'data-api-url="/api/clients/embedded-signup"' in page
    assert "connect.facebook.net" not in page
    settings.WHATSAPP_SANDBOX = False
    settings.WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID = "cfg-123"
    settings.WHATSAPP_APP_ID = "app-456"
    production = client.get(f"{onboarding}connect/").content.decode()
    assert "connect.facebook.net" in production
    assert 'data-config-id="cfg-123"' in production and 'data-app-id="app-456"' in production


def test_metas_sdk_is_loaded_after_the_script_that_defines_fbasyncinit(client, api, onboarding, settings):
    """Meta's SDK calls window.fbAsyncInit once it has loaded: a page that loads the SDK first may never init it."""
    from django.contrib.staticfiles import finders

    settings.WHATSAPP_SANDBOX = False
    settings.WHATSAPP_APP_ID = "app-456"
    page = client.get(f"{onboarding}connect/").content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", page, re.S)
    sources = [re.search(r'\bsrc="([^"]+)"', attrs).group(1) if "src=" in attrs else "" for attrs, _ in scripts]

    def defines_init(index: int) -> bool:
        source, inline = sources[index], scripts[index][1]
        if source.startswith(settings.STATIC_URL):
            inline = Path(finders.find(source.removeprefix(settings.STATIC_URL).split("?")[0])).read_text()
        return bool(re.search(r"window\.fbAsyncInit\s*=", inline))

    [sdk] = [i for i, src in enumerate(sources) if src.startswith("https://connect.facebook.net/") and "sdk.js" in src]
    [init] = [i for i in range(len(scripts)) if defines_init(i)]
    assert init < sdk, sources


def test_another_clients_setup_code_never_shows_this_clients_number(client, api, onboarding):
    phone = new_phone()
    client.post(f"{onboarding}hosted/", {"phone_number": phone})
    other = client.post("/signup/", {"name": "B", "email": "b@example.com", "business_name": "B"})["Location"]
    page = client.get(other).content.decode()
    assert phone not in page and 'id="choose-hosted"' in page
    assert client.get(f"{other}live/").status_code == 302
    assert client.get(f"{other}whatsapp-qr.png").status_code == 404
