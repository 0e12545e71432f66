"""GET /api/v1/numbers and /api/v1/contacts: the caller's client only, both ways of authenticating."""

import pytest

from billing.models import UsagePeriod
from billing.services import usage_period_for
from tests.factories import ClientFactory, ContactFactory, MembershipFactory, WhatsAppNumberFactory
from tests.whatsapp.api_support import assert_error, token_api

pytestmark = pytest.mark.django_db


def test_numbers_list_the_callers_numbers_with_free_messages_left(api_for, number):
    number.monthly_free_messages = 300
    number.save()
    period = usage_period_for(number=number)
    UsagePeriod.objects.filter(pk=period.pk).update(service_messages=42)
    WhatsAppNumberFactory()  # another client's number

    response = api_for(number.client).get("/api/v1/numbers")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 1
    [item] = body["results"]
    assert item["id"] == number.pk
    assert item["phone_number"] == number.phone_number
    assert item["phone_number_id"] == number.phone_number_id
    assert item["display_name"] == number.display_name
    assert item["connection_type"] == "hosted"
    assert item["status"] == "active"
    assert "quality_rating" in item
    assert item["monthly_allowance"] == 300
    assert item["free_messages_remaining"] == 258


def test_numbers_of_a_client_without_usage_show_the_whole_allowance(api_for, settings):
    settings.DEFAULT_MONTHLY_FREE_MESSAGES = 1000
    client = ClientFactory()
    WhatsAppNumberFactory(client=client, status="pending", phone_number_id=None)

    [item] = api_for(client).get("/api/v1/numbers").json()["results"]

    assert item["status"] == "pending"
    assert item["phone_number_id"] is None
    assert item["free_messages_remaining"] == 1000


def test_anonymous_callers_get_401_in_the_error_shape(client):
    for path in ("/api/v1/numbers", "/api/v1/contacts", "/api/v1/conversations"):
        assert_error(client.get(path), 401, "not_authenticated")


def test_bad_api_key_is_refused(client):
    response = client.get("/api/v1/numbers", HTTP_AUTHORIZATION="Api-Key abcd.nope")
    assert_error(response, 401, "authentication_failed")


def test_user_with_two_clients_picks_one_with_x_client_id():
    first, second = WhatsAppNumberFactory(), WhatsAppNumberFactory()
    api = token_api(first.client)
    MembershipFactory(user=api.user, client=second.client)
    stranger = WhatsAppNumberFactory()

    default = api.get("/api/v1/numbers").json()["results"]
    chosen = api.get("/api/v1/numbers", HTTP_X_CLIENT_ID=str(second.client_id)).json()["results"]

    assert [n["id"] for n in default] == [first.pk]
    assert [n["id"] for n in chosen] == [second.pk]
    assert_error(api.get("/api/v1/numbers", HTTP_X_CLIENT_ID=str(stranger.client_id)), 404, "not_found")


def test_contacts_list_only_the_callers_contacts(api_for):
    mine, other = ClientFactory(), ClientFactory()
    ana = ContactFactory(client=mine, profile_name="Ana Gómez", wa_id="573001112233")
    ContactFactory(client=other, profile_name="Ana Otra", wa_id="573009998877")

    body = api_for(mine).get("/api/v1/contacts").json()

    assert body["count"] == 1
    [item] = body["results"]
    assert item == {
        "id": ana.pk,
        "wa_id": "573001112233",
        "user_id": "",
        "parent_user_id": "",
        "username": "",
        "phone_number": "+573001112233",
        "handle": "+573001112233",
        "profile_name": "Ana Gómez",
        "marketing_opted_out_at": None,
        "created_at": item["created_at"],
        "updated_at": item["updated_at"],
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [("ana", ["Ana Gómez"]), ("+57 300 111", ["Ana Gómez"]), ("998877", ["Luis"]), ("nadie", []), ("", None)],
)
def test_contacts_search_by_name_or_phone(api_for, query, expected):
    client = ClientFactory()
    ContactFactory(client=client, profile_name="Ana Gómez", wa_id="573001112233")
    ContactFactory(client=client, profile_name="Luis", wa_id="573009998877")
    ContactFactory(client=ClientFactory(), profile_name="Ana de otro", wa_id="573001112299")

    results = api_for(client).get("/api/v1/contacts", {"q": query}).json()["results"]

    names = sorted(r["profile_name"] for r in results)
    assert names == (sorted(expected) if expected is not None else ["Ana Gómez", "Luis"])


def test_contacts_are_paginated(api_for):
    client = ClientFactory()
    ContactFactory.create_batch(3, client=client)

    page = api_for(client).get("/api/v1/contacts", {"page_size": 2}).json()

    assert page["count"] == 3
    assert len(page["results"]) == 2
    assert page["next"]
