"""Embedded Signup that connects a WABA without a single number (Meta's FINISH_ONLY_WABA, or a WABA holding none or
several): the token is kept and the client picks the number afterwards, by API or on the onboarding page.

Everything runs over real HTTP against the sandbox: the popup, the code exchange, GET /{waba-id}/phone_numbers,
subscribe and register.
"""

from __future__ import annotations

import pytest

from onboarding.models import PendingWabaConnection
from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber
from tenants.models import WhatsAppNumber
from tests.onboarding.conftest import new_phone
from whatsapp.client import GraphClient

pytestmark = pytest.mark.django_db(transaction=True)


def waba_with_two_numbers(api, business: str = "Panadería Ana") -> tuple[dict, str]:
    """The popup's account and verified number, plus a second number added to that WABA through Graph."""
    popup = api.embedded_popup(business, new_phone())
    account = SandboxBusinessAccount.objects.get(waba_id=popup["waba_id"])
    second = GraphClient(account.access_token).add_phone_number(popup["waba_id"], "57", new_phone()[3:], business)
    return popup, second["id"]


def finish_without_number(api, setup_code: str, popup: dict):
    body = {"setup_code": setup_code, "code": popup["code"], "waba_id": popup["waba_id"], "phone_number_id": ""}
    return api.post("/api/clients/embedded-signup", body)


def pick(api, setup_code: str, phone_number_id: str):
    body = {"setup_code": setup_code, "phone_number_id": phone_number_id}
    return api.post("/api/clients/embedded-signup/number", body)


def test_a_waba_with_several_numbers_is_kept_and_the_client_picks_one(api):
    signup = api.register()
    popup, second = waba_with_two_numbers(api)

    answer = finish_without_number(api, signup["setup_code"], popup)
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert (body["status"], body["next_step"], body["waba_id"]) == ("choose_number", "choose_number", popup["waba_id"])
    assert {row["phone_number_id"] for row in body["phone_numbers"]} == {popup["phone_number_id"], second}
    assert all(row["display_phone_number"].isdigit() for row in body["phone_numbers"])
    status = api.status(signup["setup_code"])
    assert status["next_step"] == "choose_number" and status["waba"]["waba_id"] == popup["waba_id"]
    pending = PendingWabaConnection.objects.get(client_id=signup["client_id"])
    assert pending.business_token == SandboxBusinessAccount.objects.get(waba_id=popup["waba_id"]).access_token
    assert not WhatsAppNumber.objects.filter(client_id=signup["client_id"]).exists()

    picked = pick(api, signup["setup_code"], popup["phone_number_id"])
    assert picked.status_code == 200, picked.text
    assert (picked.json()["status"], picked.json()["phone_number_id"]) == ("active", popup["phone_number_id"])
    number = WhatsAppNumber.objects.get(client_id=signup["client_id"])
    assert (number.connection_type, number.waba_id, number.status) == ("embedded", popup["waba_id"], "active")
    assert number.business_token == pending.business_token
    assert SandboxPhoneNumber.objects.get(phone_number_id=popup["phone_number_id"]).registered
    assert not PendingWabaConnection.objects.filter(client_id=signup["client_id"]).exists()


@pytest.mark.parametrize("bad", ["", "123", "not-a-number", "OTHER"])
def test_a_number_that_is_not_in_the_waba_is_refused_and_nothing_changes(api, bad):
    signup = api.register()
    popup, _second = waba_with_two_numbers(api)
    assert finish_without_number(api, signup["setup_code"], popup).status_code == 202
    if bad == "OTHER":  # a real number of another client's WABA
        bad = api.embedded_popup("Ferretería Dos", new_phone())["phone_number_id"]

    answer = pick(api, signup["setup_code"], bad)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["code"] in ("number_not_in_waba", "validation_error", "invalid")
    assert not WhatsAppNumber.objects.filter(client_id=signup["client_id"]).exists()
    assert PendingWabaConnection.objects.filter(client_id=signup["client_id"]).exists()
    assert not SandboxPhoneNumber.objects.get(phone_number_id=popup["phone_number_id"]).registered


def test_one_client_cannot_pick_another_clients_waba_number(api):
    mine = api.register()
    popup, _second = waba_with_two_numbers(api)
    assert finish_without_number(api, mine["setup_code"], popup).status_code == 202

    theirs = api.register()
    nothing_pending = pick(api, theirs["setup_code"], popup["phone_number_id"])
    assert nothing_pending.status_code == 409 and nothing_pending.json()["error"]["code"] == "no_pending_waba"
    their_popup, _ = waba_with_two_numbers(api, "Ferretería Dos")
    assert finish_without_number(api, theirs["setup_code"], their_popup).status_code == 202
    wrong_waba = pick(api, theirs["setup_code"], popup["phone_number_id"])
    assert wrong_waba.status_code == 400 and wrong_waba.json()["error"]["code"] == "number_not_in_waba"
    assert not WhatsAppNumber.objects.filter(phone_number_id=popup["phone_number_id"]).exists()
    assert PendingWabaConnection.objects.get(client_id=mine["client_id"]).waba_id == popup["waba_id"]


def test_the_onboarding_page_lists_the_numbers_and_connects_the_one_picked(api, client):
    signup = api.register()
    popup, second = waba_with_two_numbers(api)
    assert finish_without_number(api, signup["setup_code"], popup).status_code == 202
    client.get(f"/onboarding/{signup['setup_code']}/")  # the setup link binds this browser

    home = client.get("/onboarding/")
    assert home.status_code == 302 and home["Location"] == "/onboarding/number/"
    page = client.get("/onboarding/number/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "¿Qué número quieres conectar?" in page
    assert f'value="{popup["phone_number_id"]}"' in page and f'value="{second}"' in page
    english = client.get("/onboarding/number/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Which number do you want to connect?" in english

    refused = client.post("/onboarding/number/", {"phone_number_id": "999999999999999"}, HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 400
    assert "Ese número no está en tu cuenta de WhatsApp Business" in refused.content.decode()
    empty = client.post("/onboarding/number/", {}, HTTP_ACCEPT_LANGUAGE="es")
    assert empty.status_code == 400 and "Elige uno de los números." in empty.content.decode()
    assert not WhatsAppNumber.objects.filter(client_id=signup["client_id"]).exists()

    done = client.post("/onboarding/number/", {"phone_number_id": popup["phone_number_id"]})
    assert done.status_code == 302
    assert WhatsAppNumber.objects.get(client_id=signup["client_id"]).status == "active"
    assert client.get("/onboarding/")["Location"] != "/onboarding/number/"


def test_a_waba_without_numbers_says_how_to_add_one(api, client):
    signup = api.register()
    popup = api.embedded_popup("Panadería Ana", new_phone())
    SandboxPhoneNumber.objects.filter(phone_number_id=popup["phone_number_id"]).delete()
    answer = finish_without_number(api, signup["setup_code"], popup)
    assert answer.status_code == 202 and answer.json()["phone_numbers"] == []
    client.get(f"/onboarding/{signup['setup_code']}/")
    page = client.get("/onboarding/number/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="waba-has-no-number"' in page and 'id="connect-again"' in page


def empty_waba_finish(api, setup_code: str) -> dict:
    popup = api.embedded_popup("Panadería Ana", new_phone())
    SandboxPhoneNumber.objects.filter(phone_number_id=popup["phone_number_id"]).delete()
    assert finish_without_number(api, setup_code, popup).status_code == 202
    return popup


def test_the_client_adds_a_number_to_its_own_waba_and_verifies_it(api):
    signup = api.register()
    popup = empty_waba_finish(api, signup["setup_code"])
    phone = new_phone()

    added = api.post("/api/clients/embedded-signup/number", {"setup_code": signup["setup_code"], "phone_number": phone})
    assert added.status_code == 202, added.text
    assert (added.json()["status"], added.json()["next_step"]) == ("code_sent", "verify_code")
    twin = SandboxPhoneNumber.objects.get(display_phone_number=phone.lstrip("+"))
    assert twin.account.waba_id == popup["waba_id"]  # the client's own WABA, not the operator's
    assert api.status(signup["setup_code"])["next_step"] == "verify_code"

    verified = api.verify(signup["setup_code"], api.otp(phone))
    assert verified.status_code == 200, verified.text
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert (number.connection_type, number.waba_id, number.status) == ("embedded", popup["waba_id"], "active")
    assert number.phone_number_id == twin.phone_number_id and number.business_token == twin.account.access_token
    assert not PendingWabaConnection.objects.filter(client_id=signup["client_id"]).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"phone_number": "12"}, 400, "invalid_phone_number"),
        ({}, 400, None),
        ({"phone_number": "+573001234567", "phone_number_id": "1"}, 400, None),
    ],
)
def test_a_bad_number_to_add_is_refused_and_nothing_is_written(api, body, status, code):
    signup = api.register()
    popup = empty_waba_finish(api, signup["setup_code"])
    answer = api.post("/api/clients/embedded-signup/number", {"setup_code": signup["setup_code"], **body})
    assert answer.status_code == status, answer.text
    assert code is None or answer.json()["error"]["code"] == code
    assert not WhatsAppNumber.objects.filter(client_id=signup["client_id"]).exists()
    assert not SandboxPhoneNumber.objects.filter(account__waba_id=popup["waba_id"]).exists()


def test_the_onboarding_page_adds_a_number_then_asks_for_its_code(api, client):
    signup = api.register()
    empty_waba_finish(api, signup["setup_code"])
    client.get(f"/onboarding/{signup['setup_code']}/")
    refused = client.post("/onboarding/number/", {"add": "1", "phone_number": "12"}, HTTP_ACCEPT_LANGUAGE="es")
    assert refused.status_code == 400 and 'id="add-number-form"' in refused.content.decode()
    phone = new_phone()
    done = client.post("/onboarding/number/", {"add": "1", "phone_number": phone, "display_name": "Panadería Ana"})
    assert done.status_code == 302
    verify = client.get("/onboarding/", HTTP_ACCEPT_LANGUAGE="es")
    assert verify.status_code == 200 and 'name="code"' in verify.content.decode()
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "code_sent"
