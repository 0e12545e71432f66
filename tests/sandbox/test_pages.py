"""The Embedded Signup popup and the customer's phone page, through Django's test client."""

import json
import re

import pytest
from django.test import Client

from sandbox import accounts
from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber

pytestmark = pytest.mark.django_db

POPUP = "/sandbox/embedded-signup/"


def events(response):
    match = re.search(rb'<script id="es-events" type="application/json">(.*?)</script>', response.content, re.S)
    return json.loads(match.group(1))


def test_popup_prefills_and_speaks_spanish_by_default(client):
    page = client.get(POPUP, {"client": "Panadería Sol", "phone": "+573105550101"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'value="Panadería Sol"' in html and 'value="+573105550101"' in html
    assert "Continuar" in html and "Cancelar" in html and "csrfmiddlewaretoken" in html
    english = client.get(POPUP, {"lang": "en"}).content.decode()
    assert "Continue" in english and "Cancel" in english


def test_continue_creates_the_client_account_and_hands_back_meta_events(client, settings):
    page = client.post(
        POPUP, {"business_name": "Panadería Sol", "phone_number": "+57 310 555 0101", "action": "continue"}
    )
    assert page.status_code == 200
    finish, login = events(page)
    number = SandboxPhoneNumber.objects.select_related("account").get(display_phone_number="573105550101")
    account = number.account
    assert finish == {
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH",
        "data": {
            "phone_number_id": number.phone_number_id,
            "waba_id": account.waba_id,
            "business_id": account.business_id,
        },
    }
    assert login["type"] == "SANDBOX_FB_LOGIN"
    assert (number.code_verification_status, number.registered, account.business_verified) == ("VERIFIED", False, False)
    assert not account.is_operator and account.access_token not in (settings.WHATSAPP_MASTER_TOKEN, "")
    code = login["authResponse"]["code"]
    assert code in page.content.decode()  # shown as well, for when there is no opener
    token = accounts.exchange_code(
        client_id=settings.WHATSAPP_APP_ID, client_secret=settings.WHATSAPP_APP_SECRET, code=code
    )
    assert token == account.access_token


def test_cancel_and_bad_input_create_nothing(client):
    cancelled = client.post(POPUP, {"business_name": "X", "phone_number": "+573105550101", "action": "cancel"})
    assert events(cancelled) == [
        {"type": "WA_EMBEDDED_SIGNUP", "event": "CANCEL", "data": {"current_step": "PHONE_NUMBER_SETUP"}},
        {"type": "SANDBOX_FB_LOGIN", "authResponse": None},
    ]
    bad = client.post(POPUP, {"business_name": "X", "phone_number": "123", "action": "continue"})
    assert bad.status_code == 400 and "Escribe el número con el indicativo del país" in bad.content.decode()
    english = client.post(POPUP + "?lang=en", {"business_name": "", "phone_number": "+573105550101"})
    assert english.status_code == 400 and "Type the business name." in english.content.decode()
    assert not SandboxBusinessAccount.objects.exists()


def test_popup_form_needs_csrf():
    response = Client(enforce_csrf_checks=True).post(POPUP, {"business_name": "X", "phone_number": "+573105550101"})
    assert response.status_code == 403
    assert not SandboxBusinessAccount.objects.exists()


def test_phone_page_lists_connected_numbers_in_both_languages(client, number):
    SandboxPhoneNumber.objects.create(
        account=SandboxBusinessAccount.objects.get(),
        phone_number_id="999",
        display_phone_number="573000000999",
        verified_name="Sin registrar",
    )
    page = client.get("/sandbox/").content.decode()
    assert number.phone_number_id in page and "Sin registrar" not in page
    assert "Tú haces de cliente" in page and 'lang="es"' in page
    assert 'data-event="marketing_preference" data-value="stop"' in page and "Dejar de recibir promociones" in page
    english = client.get("/sandbox/", {"lang": "en"})
    assert "You play the customer" in english.content.decode() and "Stop promotions" in english.content.decode()
    assert english.cookies["django_language"].value == "en"


def test_chat_api_validates(client, number):
    assert client.get("/sandbox/api/chat", {"phone_number_id": "nope", "from": "+573001112233"}).status_code == 404
    assert client.get("/sandbox/api/chat", {"phone_number_id": number.phone_number_id, "from": "1"}).status_code == 400
    empty = client.get("/sandbox/api/chat", {"phone_number_id": number.phone_number_id, "from": "+573001112233"}).json()
    assert (empty["messages"], empty["typing"]) == ([], False)
    listed = client.get("/sandbox/api/numbers").json()["results"]
    assert [n["phone_number_id"] for n in listed] == [number.phone_number_id]


def test_admin_lists_sandbox_state_without_secrets(admin_client, number):
    for model in (
        "sandboxbusinessaccount",
        "sandboxphonenumber",
        "sandboxmessage",
        "sandboxfault",
        "sandboxtemplate",
        "sandboxmedia",
        "sandboxconversation",
        "sandboxauthcode",
    ):
        assert admin_client.get(f"/admin/sandbox/{model}/").status_code == 200, model
    account = SandboxBusinessAccount.objects.get()
    page = admin_client.get(f"/admin/sandbox/sandboxbusinessaccount/{account.pk}/change/").content.decode()
    assert number.phone_number_id in page and account.access_token not in page
