"""The operator's side: register a number for a client (staff token), hosted capacity."""

from __future__ import annotations

import pytest
import requests

from tenants.models import WhatsAppNumber
from tenants.selectors import hosted_capacity
from tenants.tokens import api_token_issue
from tests.factories import ClientFactory, UserFactory, WhatsAppNumberFactory
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)


def token_for(user) -> dict:
    return {"Authorization": f"Token {api_token_issue(user=user)}"}


def test_staff_registers_a_number_and_the_client_verifies_it(api):
    staff = token_for(UserFactory(is_staff=True))
    signup = api.register()
    phone = new_phone()
    response = api.post(
        "/api/register-client-number",
        {"client_id": signup["client_id"], "phone_number": phone, "display_name": "Panadería"},
        headers=staff,
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "code_sent" and response.json()["next_step"] == "verify_code"
    number = WhatsAppNumber.objects.get(pk=response.json()["number_id"])
    assert (number.client_id, number.display_name) == (signup["client_id"], "Panadería")
    # The client types the code on its onboarding page (or through the API with its setup code).
    assert api.verify(signup["setup_code"], api.otp(phone)).status_code == 200


def test_non_staff_and_anonymous_are_refused(api):
    client = ClientFactory()
    body = {"client_id": client.pk, "phone_number": new_phone()}
    forbidden = api.post("/api/register-client-number", body, headers=token_for(UserFactory()))
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "permission_denied"
    anonymous = api.post("/api/register-client-number", body)
    assert anonymous.status_code == 401
    assert not WhatsAppNumber.objects.exists()


def test_unknown_client_is_404(api):
    staff = token_for(UserFactory(is_staff=True))
    response = api.post(
        "/api/register-client-number", {"client_id": 999999, "phone_number": new_phone()}, headers=staff
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "client_not_found"


def test_hosted_capacity_counts_numbers_in_the_operators_account(api, settings):
    settings.WHATSAPP_PORTFOLIO_NUMBER_CAP = 2
    WhatsAppNumberFactory()  # hosted, active, in the operator's WABA
    WhatsAppNumberFactory(status="disconnected")  # frees its place
    WhatsAppNumberFactory(connection_type="embedded", waba_id="999")  # the client's own account: not counted
    WhatsAppNumberFactory(status="failed", phone_number_id=None)  # never reached Meta
    capacity = hosted_capacity()
    assert (capacity.used, capacity.cap, capacity.available) == (1, 2, 1)

    staff = UserFactory(is_staff=True)
    response = requests.get(f"{api.base_url}/api/hosted-capacity", headers=token_for(staff), timeout=10)
    assert response.json() == {"used": 1, "cap": 2, "available": 1}
    assert (
        requests.get(f"{api.base_url}/api/hosted-capacity", headers=token_for(UserFactory()), timeout=10).status_code
        == 403
    )


def test_capacity_page_is_for_staff(client, api):
    WhatsAppNumberFactory()
    assert client.get("/onboarding/capacity/").status_code == 302  # to the admin login
    client.force_login(UserFactory(is_staff=True))
    page = client.get("/onboarding/capacity/")
    assert page.status_code == 200
    assert 'id="capacity"' in page.content.decode()
