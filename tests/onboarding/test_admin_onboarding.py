"""The operator registers a hosted number for a client from the admin, and may type the client's code."""

from __future__ import annotations

import pytest
import requests

from tenants.models import WhatsAppNumber
from tests.factories import ClientFactory, UserFactory
from tests.onboarding.conftest import new_phone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_action_opens_the_register_page_for_one_client(operator, api):
    shop = ClientFactory()
    response = operator.post(
        "/admin/tenants/client/", {"action": "register_number_action", "_selected_action": [shop.pk]}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/admin/tenants/client/{shop.pk}/register-number/"
    page = operator.get(response["Location"])
    assert page.status_code == 200
    assert 'id="hosted-capacity"' in page.content.decode()


def test_operator_adds_the_number_and_types_the_code(operator, api):
    shop = ClientFactory(business_name="Ferretería Sol")
    url = f"/admin/tenants/client/{shop.pk}/register-number/"
    phone = new_phone()
    assert operator.post(url, {"phone_number": phone, "display_name": "Ferretería Sol"}).status_code == 302
    number = WhatsAppNumber.objects.get(phone_number=phone)
    assert (number.client, number.status) == (shop, "code_sent")

    code = requests.get(f"{api.base_url}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    assert operator.post(url, {"code": code}).status_code == 302
    number.refresh_from_db()
    assert number.status == "active"


def test_meta_refusals_are_shown_on_the_form(operator, api):
    shop = ClientFactory()
    url = f"/admin/tenants/client/{shop.pk}/register-number/"
    response = operator.post(url, {"phone_number": new_phone("0000")})
    assert response.status_code == 200
    assert "number_on_whatsapp" in response.content.decode()


def test_non_staff_cannot_open_it(client, api):
    shop = ClientFactory()
    client.force_login(UserFactory())
    response = client.get(f"/admin/tenants/client/{shop.pk}/register-number/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_new_setup_link_replaces_the_old_one(operator, api):
    signup = api.register()
    response = operator.post(
        "/admin/tenants/client/",
        {"action": "new_setup_link_action", "_selected_action": [signup["client_id"]]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert len(shown) == 1 and "/onboarding/" in shown[0]
    new_code = shown[0].rsplit("/onboarding/", 1)[1].strip("/")
    assert api.status(new_code)["client_id"] == signup["client_id"]
    old = requests.get(
        f"{api.base_url}/api/clients/onboarding-status", params={"setup_code": signup["setup_code"]}, timeout=10
    )
    assert old.status_code == 404
