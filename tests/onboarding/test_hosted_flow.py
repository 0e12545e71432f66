"""Hosted onboarding over real HTTP against the sandbox: add the number, read the code, verify, go live."""

from __future__ import annotations

import pytest
import requests
from django.db import connection

from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber
from tenants.models import Client, WhatsAppNumber
from tests.onboarding.conftest import new_phone
from whatsapp.client import GraphClient

pytestmark = pytest.mark.django_db(transaction=True)


def test_hosted_number_goes_live(api, settings):
    signup = api.register()
    phone = new_phone()

    added = api.add(signup["setup_code"], phone, display_name="Panadería Ana")
    assert added.status_code == 202, added.text
    body = added.json()
    assert body["status"] == "code_sent" and body["next_step"] == "verify_code"
    number = WhatsAppNumber.objects.get(pk=body["number_id"])
    assert (number.status, number.connection_type, number.phone_number) == ("code_sent", "hosted", phone)
    assert number.waba_id == settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    assert api.status(signup["setup_code"])["next_step"] == "verify_code"

    verified = api.verify(signup["setup_code"], api.otp(phone))
    assert verified.status_code == 200, verified.text
    assert verified.json() == {
        "status": "active",
        "phone_number": phone,
        "phone_number_id": number.phone_number_id,
        "free_messages_remaining": settings.DEFAULT_MONTHLY_FREE_MESSAGES,
    }
    number.refresh_from_db()
    assert number.status == "active" and number.activated_at is not None
    # Meta's side: registered with the PIN we generated and stored encrypted.
    twin = SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id)
    assert twin.registered and len(number.pin) == 6 and twin.pin == number.pin
    assert SandboxBusinessAccount.objects.get(waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID).subscribed_apps
    with connection.cursor() as cursor:
        cursor.execute("SELECT pin FROM tenants_whatsappnumber WHERE id = %s", [number.pk])
        assert number.pin not in cursor.fetchone()[0]  # encrypted at rest
    assert Client.objects.get(pk=signup["client_id"]).status == "active"
    # The number is live: the setup code is retired (410), nothing more can be done with it.
    retired = requests.get(
        f"{api.base_url}/api/clients/onboarding-status", params={"setup_code": signup["setup_code"]}, timeout=10
    )
    assert retired.status_code == 410 and retired.json()["error"]["code"] == "setup_code_used"


def test_wrong_code_counts_attempts_and_five_is_the_limit(api):
    signup = api.register()
    phone = new_phone()
    assert api.add(signup["setup_code"], phone).status_code == 202
    real = api.otp(phone)
    wrong = "000000" if real != "000000" else "111111"

    first = api.verify(signup["setup_code"], wrong)
    assert first.status_code == 400
    assert first.json()["error"]["code"] == "wrong_code"
    assert first.json()["error"]["details"]["attempts_remaining"] == 4
    for _ in range(4):
        assert api.verify(signup["setup_code"], wrong).status_code == 400
    # The sixth try is refused here, even with the right code: a new code must be requested.
    sixth = api.verify(signup["setup_code"], real)
    assert sixth.status_code == 429
    assert sixth.json()["error"]["code"] == "too_many_attempts"
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert number.status == "code_sent" and number.verification_attempts == 5
    assert not SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id).registered


def test_resend_has_a_cooldown_then_a_new_code_resets_attempts(api, settings):
    settings.ONBOARDING_RESEND_COOLDOWN_SECONDS = 60
    signup = api.register()
    phone = new_phone()
    assert api.add(signup["setup_code"], phone).status_code == 202
    assert api.verify(signup["setup_code"], "999999" if api.otp(phone) != "999999" else "888888").status_code == 400

    too_soon = api.post("/api/clients/resend-code", {"setup_code": signup["setup_code"], "method": "VOICE"})
    assert too_soon.status_code == 429
    assert too_soon.json()["error"]["code"] == "resend_too_soon"
    assert 0 < too_soon.json()["error"]["details"]["retry_after"] <= 60
    # Adding the same number again inside the cooldown sends nothing new either.
    first_code = api.otp(phone)
    assert api.add(signup["setup_code"], phone).status_code == 202
    assert api.otp(phone) == first_code

    settings.ONBOARDING_RESEND_COOLDOWN_SECONDS = 0
    resent = api.post("/api/clients/resend-code", {"setup_code": signup["setup_code"], "method": "VOICE"})
    assert resent.status_code == 202 and resent.json()["status"] == "code_sent"
    assert WhatsAppNumber.objects.get(phone_number=phone).verification_attempts == 0
    assert api.verify(signup["setup_code"], api.otp(phone)).status_code == 200


def test_number_still_on_whatsapp_fails_with_a_reason(api):
    signup = api.register()
    phone = new_phone("0000")
    response = api.add(signup["setup_code"], phone)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "number_on_whatsapp"
    assert error["details"]["meta_code"] == 100
    status = api.status(signup["setup_code"])
    assert status["next_step"] == "add_whatsapp"
    assert status["number"]["status"] == "failed"
    assert status["number"]["failure_code"] == "number_on_whatsapp"
    assert "WhatsApp" in status["number"]["reason"]


def test_spanish_and_english_messages_for_the_same_failure(api):
    signup = api.register()
    phone = new_phone("0000")
    spanish = api.post(
        "/api/clients/add-whatsapp",
        {"setup_code": signup["setup_code"], "phone_number": phone},
        headers={"Accept-Language": "es"},
    )
    english = api.post(
        "/api/clients/add-whatsapp",
        {"setup_code": signup["setup_code"], "phone_number": phone},
        headers={"Accept-Language": "en"},
    )
    assert spanish.json()["error"]["code"] == english.json()["error"]["code"] == "number_on_whatsapp"
    assert "still used by a WhatsApp" in english.json()["error"]["message"]
    assert "WhatsApp Business" in spanish.json()["error"]["message"]
    assert spanish.json()["error"]["message"] != english.json()["error"]["message"]


def test_portfolio_cap_reached(api, settings):
    settings.SANDBOX_OPERATOR_VERIFIED = False  # a new portfolio: 2 numbers until Meta verifies the business
    api.hosted_onboarding()
    api.hosted_onboarding()
    third = api.register()
    response = api.add(third["setup_code"], new_phone())
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "portfolio_cap_reached"
    assert WhatsAppNumber.objects.filter(client_id=third["client_id"]).get().status == "failed"


def test_number_with_a_previous_pin_fails_at_registration(api):
    signup = api.register()
    phone = new_phone("5555")
    assert api.add(signup["setup_code"], phone).status_code == 202
    response = api.verify(signup["setup_code"], api.otp(phone))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "pin_mismatch"
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert number.status == "failed" and number.failure_code == "pin_mismatch"
    assert "133005" in number.status_reason


def test_registration_retry_reuses_the_stored_pin(api):
    signup = api.register()
    phone = new_phone()
    number = WhatsAppNumber.objects.get(pk=api.add(signup["setup_code"], phone).json()["number_id"])
    # Meta accepted the code, then registration failed on Meta's side (our earlier request timed out).
    GraphClient.for_operator().verify_code(number.phone_number_id, api.otp(phone))
    WhatsAppNumber.objects.filter(pk=number.pk).update(status="verified")
    api.fault(phone_number_id=number.phone_number_id, fail_next=1, error_code=131000, http_status=500)

    failed = api.verify(signup["setup_code"], "123456")
    assert failed.status_code == 503
    assert failed.json()["error"]["code"] == "meta_unavailable"
    number.refresh_from_db()
    assert number.status == "verified" and len(number.pin) == 6
    stored_pin = number.pin

    retried = api.verify(signup["setup_code"], "123456")
    assert retried.status_code == 200, retried.text
    number.refresh_from_db()
    assert number.status == "active" and number.pin == stored_pin
    assert SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id).pin == stored_pin


def test_meta_outage_while_adding_is_a_503_and_can_be_retried(api):
    signup = api.register()
    phone = new_phone()
    api.fault(fail_next=1, error_code=2, http_status=503)
    response = api.add(signup["setup_code"], phone)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "meta_unavailable"
    assert api.add(signup["setup_code"], phone).status_code == 202


def test_invalid_phone_number_changes_nothing(api):
    signup = api.register()
    for bad in ("12", "+57 123", "hola", "+1 555 0000 00000000"):
        response = api.add(signup["setup_code"], bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_phone_number"
    assert not WhatsAppNumber.objects.exists()


def test_local_numbers_default_to_colombia(api):
    signup = api.register()
    response = api.add(signup["setup_code"], "300 555 1234")
    assert response.status_code == 202, response.text
    assert response.json()["phone_number"] == "+573005551234"


def test_code_format_is_checked_before_meta(api):
    signup = api.register()
    phone = new_phone()
    assert api.add(signup["setup_code"], phone).status_code == 202
    response = api.verify(signup["setup_code"], "12ab")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_code_format"
    assert WhatsAppNumber.objects.get(phone_number=phone).verification_attempts == 0


def test_verify_without_a_number_is_409(api):
    signup = api.register()
    response = api.verify(signup["setup_code"], "123456")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_pending_number"


def test_a_setup_code_only_touches_its_own_client(api):
    alice = api.register()
    bob = api.register()
    bob_phone = new_phone()
    assert api.add(bob["setup_code"], bob_phone).status_code == 202
    bob_code = api.otp(bob_phone)

    # Alice's code cannot verify Bob's number, even with Bob's real code...
    response = api.verify(alice["setup_code"], bob_code)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "no_pending_number"
    # ...nor take Bob's number over.
    taken = api.add(alice["setup_code"], bob_phone)
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "number_in_use"
    bob_number = WhatsAppNumber.objects.get(phone_number=bob_phone)
    assert bob_number.client_id == bob["client_id"]
    assert (bob_number.status, bob_number.verification_attempts) == ("code_sent", 0)
    assert api.status(alice["setup_code"])["number"] is None
    assert api.verify(bob["setup_code"], bob_code).status_code == 200


def test_an_active_number_cannot_be_added_again(api):
    signup, phone = api.hosted_onboarding()
    staff = api.staff_headers()
    response = api.post(
        "/api/register-client-number", {"client_id": signup["client_id"], "phone_number": phone}, headers=staff
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "number_already_active"


def test_changing_the_number_abandons_the_first_attempt(api):
    signup = api.register()
    first, second = new_phone(), new_phone()
    assert api.add(signup["setup_code"], first).status_code == 202
    assert api.add(signup["setup_code"], second).status_code == 202
    assert WhatsAppNumber.objects.get(phone_number=first).status == "failed"
    assert api.verify(signup["setup_code"], api.otp(second)).status_code == 200
    assert WhatsAppNumber.objects.get(phone_number=second).status == "active"


def test_a_setup_code_adds_no_number_once_one_is_live(api):
    """Attack: the setup link of a live client kept adding numbers (each texting a stranger) for days."""
    signup, first = api.hosted_onboarding()
    in_meta = SandboxPhoneNumber.objects.count()
    response = api.add(signup["setup_code"], new_phone())
    assert response.status_code in (409, 410)
    assert response.json()["error"]["code"] in ("onboarding_complete", "setup_code_used")
    assert SandboxPhoneNumber.objects.count() == in_meta
    assert list(WhatsAppNumber.objects.filter(client_id=signup["client_id"]).values_list("phone_number", "status")) == [
        (first, "active")
    ]
