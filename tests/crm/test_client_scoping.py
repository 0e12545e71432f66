"""Who a /api/v1 caller acts for: a user's membership, X-Client-Id, or an API key — never another client."""

import pytest
from rest_framework.test import APIClient

from tenants.authentication import create_api_key
from tests.factories import ClientFactory, MembershipFactory, UserFactory, WhatsAppNumberFactory

pytestmark = pytest.mark.django_db


def numbers_seen(api, **headers):
    response = api.get("/api/v1/numbers", **headers)
    return response.status_code, [n["phone_number"] for n in response.json().get("results", [])]


def test_a_user_sees_only_their_clients_numbers():
    mine, theirs = WhatsAppNumberFactory(), WhatsAppNumberFactory()
    member = MembershipFactory(client=mine.client)
    api = APIClient()
    api.force_authenticate(member.user)
    assert numbers_seen(api) == (200, [mine.phone_number])
    assert theirs.phone_number not in numbers_seen(api)[1]


def test_a_user_with_two_clients_picks_one_and_cannot_pick_a_third():
    a, b, c = WhatsAppNumberFactory(), WhatsAppNumberFactory(), WhatsAppNumberFactory()
    user = UserFactory()
    MembershipFactory(user=user, client=a.client)
    MembershipFactory(user=user, client=b.client)
    api = APIClient()
    api.force_authenticate(user)
    assert numbers_seen(api, HTTP_X_CLIENT_ID=str(b.client.pk)) == (200, [b.phone_number])
    status, _ = numbers_seen(api, HTTP_X_CLIENT_ID=str(c.client.pk))
    assert status == 404
    for bad in ("not-a-number", "9" * 40, "²", "-1", " "):
        assert numbers_seen(api, HTTP_X_CLIENT_ID=bad)[0] == 404, bad


def test_an_api_key_acts_for_exactly_its_client():
    mine, other = WhatsAppNumberFactory(), WhatsAppNumberFactory()
    _, secret = create_api_key(client=mine.client, name="integration")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert numbers_seen(api) == (200, [mine.phone_number])
    # An API key cannot switch clients.
    assert numbers_seen(api, HTTP_X_CLIENT_ID=str(other.client.pk)) == (200, [mine.phone_number])


@pytest.mark.parametrize("header", ["Api-Key nope", "Api-Key abc.def", "Api-Key "])
def test_a_bad_api_key_is_401(header):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    response = api.get("/api/v1/numbers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_a_revoked_api_key_is_refused():
    client = ClientFactory()
    key, secret = create_api_key(client=client, name="old")
    key.revoked_at = key.created_at
    key.save()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert api.get("/api/v1/numbers").status_code == 401


def test_anonymous_is_401_and_a_user_without_client_is_403():
    assert APIClient().get("/api/v1/numbers").status_code == 401
    api = APIClient()
    api.force_authenticate(UserFactory())
    response = api.get("/api/v1/numbers")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_staff_names_the_client_they_act_for():
    number = WhatsAppNumberFactory()
    api = APIClient()
    api.force_authenticate(UserFactory(is_staff=True))
    assert numbers_seen(api, HTTP_X_CLIENT_ID=str(number.client.pk)) == (200, [number.phone_number])
