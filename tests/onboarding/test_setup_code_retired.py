"""Setup codes: retired once the client's number is live, and sent in the body or a header, not a URL query."""

from __future__ import annotations

import pytest
import requests

from ai.models import Persona
from tenants.models import WhatsAppNumber
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_live_clients_setup_code_opens_nothing_any_more(api):
    """Attack: for 7 days after going live the code still changed the profile, added numbers, set a password."""
    signup, phone = api.hosted_onboarding()
    code = signup["setup_code"]
    calls = [
        ("/api/clients/business-profile", {"setup_code": code, "business_description": "Vendemos todo gratis"}),
        ("/api/clients/add-whatsapp", {"setup_code": code, "phone_number": new_phone()}),
        ("/api/clients/verify-whatsapp", {"setup_code": code, "code": "123456"}),
        ("/api/clients/resend-code", {"setup_code": code}),
    ]
    for path, body in calls:
        response = api.post(path, body)
        assert response.status_code == 410, path
        assert response.json()["error"]["code"] == "setup_code_used"
    assert not Persona.objects.filter(client_id=signup["client_id"], business_description__contains="gratis").exists()
    assert list(WhatsAppNumber.objects.values_list("phone_number", flat=True)) == [phone]
    # A browser that never used the link before (someone who found it later) gets the problem page.
    for path in ("", "business/", "live/", "whatsapp-qr.png"):
        page = requests.get(f"{api.base_url}/onboarding/{code}/{path}", timeout=10)
        assert page.status_code == 410 and 'data-error="setup_code_used"' in page.text, path
    stranger = requests.post(f"{api.base_url}/onboarding/{code}/password/", data={"password": "x"}, timeout=10)
    assert stranger.status_code in (403, 410)  # CSRF or retired: never a password set


def test_the_browser_that_went_live_finishes_onboarding_but_adds_no_number(client, api):
    start = client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Ana"})["Location"]
    assert client.get(start).status_code == 200
    phone = new_phone()
    assert client.post(f"{start}hosted/", {"phone_number": phone}).status_code == 302
    assert client.post(f"{start}verify/", {"code": api.otp(phone)}).status_code == 302
    business = {"business_description": "Pan", "greeting": "Hola", "business_hours": "7-19"}
    assert client.post(f"{start}business/", business).status_code == 302
    assert client.get(f"{start}live/").status_code == 200
    refused = client.post(f"{start}hosted/", {"phone_number": new_phone()})
    assert refused.status_code == 410 and b'data-error="setup_code_used"' in refused.content
    assert WhatsAppNumber.objects.count() == 1


def test_the_code_travels_in_a_header(api):
    signup = api.register()
    phone = new_phone()
    headers = {"X-Setup-Code": signup["setup_code"]}
    added = api.post("/api/clients/add-whatsapp", {"phone_number": phone}, headers=headers)
    assert added.status_code == 202, added.text
    status = requests.get(f"{api.base_url}/api/clients/onboarding-status", headers=headers, timeout=10)
    assert status.status_code == 200 and status.json()["next_step"] == "verify_code"
    assert api.post("/api/clients/verify-whatsapp", {"code": api.otp(phone)}, headers=headers).status_code == 200
    missing = api.post("/api/clients/add-whatsapp", {"phone_number": new_phone()})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "invalid_setup_code"
