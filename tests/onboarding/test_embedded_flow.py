"""Embedded Signup over real HTTP: the sandbox plays Meta's popup, the product exchanges, subscribes, registers."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber
from tenants.models import WhatsAppNumber
from tests.factories import WhatsAppNumberFactory
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)


def finish(api, setup_code: str, popup: dict, **overrides):
    body = {"setup_code": setup_code, **{k: popup[k] for k in ("code", "waba_id", "phone_number_id")}, **overrides}
    return api.post("/api/clients/embedded-signup", body)


def test_embedded_signup_connects_the_clients_own_account(api, settings):
    signup = api.register()
    phone = new_phone()
    popup = api.embedded_popup("Panadería Ana", phone)

    response = finish(api, signup["setup_code"], popup)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "status": "active",
        "phone_number": phone,
        "phone_number_id": popup["phone_number_id"],
        "free_messages_remaining": settings.DEFAULT_MONTHLY_FREE_MESSAGES,
    }
    number = WhatsAppNumber.objects.get(phone_number_id=popup["phone_number_id"])
    account = SandboxBusinessAccount.objects.get(waba_id=popup["waba_id"])
    assert (number.connection_type, number.waba_id, number.client_id) == (
        "embedded",
        popup["waba_id"],
        signup["client_id"],
    )
    # The business token is the client's own (encrypted at rest) and is what this number's calls use.
    assert number.business_token == account.access_token and number.access_token == account.access_token
    with connection.cursor() as cursor:
        cursor.execute("SELECT business_token FROM tenants_whatsappnumber WHERE id = %s", [number.pk])
        assert account.access_token not in cursor.fetchone()[0]
    assert account.subscribed_apps, "our app must be subscribed to the client's WABA"
    twin = SandboxPhoneNumber.objects.get(phone_number_id=popup["phone_number_id"])
    assert twin.registered and twin.pin == number.pin
    retired = api.post(
        "/api/clients/business-profile", {"setup_code": signup["setup_code"], "business_description": "x"}
    )
    assert retired.status_code == 410 and retired.json()["error"]["code"] == "setup_code_used"


def test_cancelled_signup_changes_nothing(api):
    signup = api.register()
    response = api.post("/api/clients/embedded-signup", {"setup_code": signup["setup_code"], "code": ""})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signup_cancelled"
    assert "Facebook" in response.json()["error"]["message"]
    assert not WhatsAppNumber.objects.exists()


def test_a_used_code_cannot_be_exchanged_twice(api):
    signup = api.register()
    popup = api.embedded_popup("Taller", new_phone())
    assert finish(api, signup["setup_code"], popup).status_code == 200
    again = finish(api, api.register()["setup_code"], popup)  # the first code is retired: its number is live
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "signup_code_expired"


def test_an_expired_code_is_refused(api):
    signup = api.register()
    popup = api.embedded_popup("Taller", new_phone())
    with time_machine.travel(timezone.now() + timedelta(seconds=45)):
        response = finish(api, signup["setup_code"], popup)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "signup_code_expired"
    assert not WhatsAppNumber.objects.exists()


def test_number_with_a_previous_pin_is_reported(api):
    signup = api.register()
    popup = api.embedded_popup("Taller", new_phone("5555"))
    response = finish(api, signup["setup_code"], popup)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pin_mismatch"
    status = api.status(signup["setup_code"])
    assert status["number"]["status"] == "failed" and status["number"]["failure_code"] == "pin_mismatch"


def test_another_clients_number_cannot_be_taken_over(api):
    alice, bob = api.register(), api.register()
    phone = new_phone()
    assert finish(api, bob["setup_code"], api.embedded_popup("Bob", phone)).status_code == 200
    # Alice runs the popup for Bob's number (the sandbox reconnects that account) and posts the result.
    response = finish(api, alice["setup_code"], api.embedded_popup("Alice", phone))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_in_use"
    assert WhatsAppNumber.objects.get(phone_number=phone).client_id == bob["client_id"]
    assert api.status(alice["setup_code"])["number"] is None


def test_missing_ids_are_a_400(api):
    signup = api.register()
    response = api.post("/api/clients/embedded-signup", {"setup_code": signup["setup_code"], "code": "abc"})
    assert response.status_code == 400
    assert not WhatsAppNumber.objects.exists()


def test_a_meta_outage_changes_nothing_and_a_new_signup_works(api):
    signup = api.register()
    phone = new_phone()
    first = api.embedded_popup("Taller", phone)
    api.fault(phone_number_id=first["phone_number_id"], fail_next=1, error_code=131000, http_status=500)
    failed = finish(api, signup["setup_code"], first)
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "meta_unavailable"
    assert not WhatsAppNumber.objects.exists()

    again = finish(api, signup["setup_code"], api.embedded_popup("Taller", phone))
    assert again.status_code == 200, again.text
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "active"


def test_an_embedded_number_stuck_before_going_live_asks_to_connect_again(api):
    signup = api.register()
    WhatsAppNumberFactory(
        client_id=signup["client_id"],
        connection_type="embedded",
        waba_id="555",
        status="verified",
        failure_code="meta_unavailable",
        status_reason="Meta 131000: Something went wrong",
    )
    status = api.status(signup["setup_code"])
    # No code to type for Embedded Signup: the next step is to connect again; the problem is shown.
    assert status["next_step"] == "add_whatsapp"
    assert (status["number"]["status"], status["number"]["failure_code"]) == ("verified", "meta_unavailable")


def test_a_waba_only_finish_reads_the_number_from_the_waba(api):
    """FINISH_ONLY_WABA (or session info lost on the way): the server asks GET /{waba}/phone_numbers."""
    signup = api.register()
    phone = new_phone()
    popup = api.embedded_popup("Panadería Ana", phone)
    response = finish(api, signup["setup_code"], popup, phone_number_id="")
    assert response.status_code == 200, response.text
    assert response.json()["phone_number_id"] == popup["phone_number_id"]
    assert WhatsAppNumber.objects.get(phone_number=phone).status == "active"
