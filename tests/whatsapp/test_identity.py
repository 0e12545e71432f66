"""Customers as Meta names them since 2026: phone, BSUID, parent BSUID and username, each optional."""

from __future__ import annotations

import json

import pytest
import responses
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import recipient_country_code
from tests.factories import ClientFactory, ContactFactory, ConversationFactory, MessageFactory
from tests.meta_fixtures import meta_payload
from whatsapp.client import GraphClient
from whatsapp.identity import CustomerIdentity, identity_from_inbound, is_bsuid, send_address
from whatsapp.models import Contact, Message
from whatsapp.services.contacts import contact_upsert, contacts_upsert

pytestmark = pytest.mark.django_db

BSUID = "CO.13491208655302741918"


def test_a_username_customer_without_phone_becomes_a_contact_known_by_bsuid(number, post_webhook, api_for):
    post_webhook(meta_payload("inbound_username_2026", number, wamid="wamid.U1"))

    contact = Contact.objects.get()
    assert (contact.wa_id, contact.user_id, contact.parent_user_id) == ("", BSUID, "CO.ENT.11815799212886844830")
    assert (contact.username, contact.profile_name, contact.handle) == ("lucia.m", "Lucía", "@lucia.m")
    assert contact.address == BSUID
    message = Message.objects.get()
    assert message.text == "Hola, ¿tienen citas mañana?" and message.conversation.contact == contact

    ContactFactory(client=number.client, profile_name="Someone else")
    [item] = api_for(number.client).get("/api/v1/contacts?q=@lucia.m").json()["results"]
    assert (item["username"], item["handle"], item["phone_number"]) == ("lucia.m", "@lucia.m", "")


def test_a_phone_contact_gains_its_bsuid_when_meta_starts_sending_it(number, post_webhook):
    known = ContactFactory(client=number.client, wa_id="573001112233", profile_name="Ana")
    post_webhook(meta_payload("inbound_phone_and_user_id_2026", number, wamid="wamid.P1"))

    assert Contact.objects.count() == 1
    known.refresh_from_db()
    assert (known.wa_id, known.user_id) == ("573001112233", "CO.70000000000000000001")
    assert Message.objects.get().conversation.contact == known


def test_a_bsuid_contact_gains_the_phone_when_the_customer_shares_it(number):
    first = contact_upsert(client=number.client, identity=CustomerIdentity(user_id=BSUID, username="lucia.m"))
    again = contact_upsert(client=number.client, identity=CustomerIdentity(wa_id="573005556677", user_id=BSUID))
    assert again.pk == first.pk
    first.refresh_from_db()
    assert (first.wa_id, first.user_id, first.username) == ("573005556677", BSUID, "lucia.m")


def test_contacts_are_per_client_even_with_the_same_bsuid(number):
    other = ClientFactory()
    mine = contact_upsert(client=number.client, identity=CustomerIdentity(user_id=BSUID))
    theirs = contact_upsert(client=other, identity=CustomerIdentity(user_id=BSUID))
    assert mine.pk != theirs.pk and {mine.client_id, theirs.client_id} == {number.client_id, other.pk}


def test_a_phone_and_a_bsuid_of_two_contacts_resolve_to_the_phone_and_nothing_moves(number):
    phone = ContactFactory(client=number.client, wa_id="573001112233")
    bsuid = ContactFactory(client=number.client, wa_id="", user_id=BSUID)
    found = contact_upsert(client=number.client, identity=CustomerIdentity(wa_id="573001112233", user_id=BSUID))
    assert found.pk == phone.pk
    phone.refresh_from_db()
    bsuid.refresh_from_db()
    assert phone.user_id == "" and bsuid.user_id == BSUID


def test_a_batch_of_customers_is_upserted_in_a_constant_number_of_queries(number):
    def queries(identities):
        with CaptureQueriesContext(connection) as captured:
            found = contacts_upsert(client=number.client_id, identities=identities)
        return len(captured.captured_queries), found

    one, _ = queries([CustomerIdentity(wa_id="573000000000")])
    many, found = queries([CustomerIdentity(wa_id=f"57300000{n:04d}", user_id=f"CO.{n:020d}") for n in range(1, 30)])
    assert many == one
    assert len({c.pk for c in found.values()}) == 29 and all(c.pk for c in found.values())
    known, found = queries([CustomerIdentity(user_id=f"CO.{n:020d}", username=f"u{n}") for n in range(1, 30)])
    assert known <= one and Contact.objects.filter(username__startswith="u").count() == 29


def test_identity_reads_2026_and_older_shapes():
    old = identity_from_inbound({"from": "573001112233"}, {"wa_id": "573001112233", "profile": {"name": "Ana"}})
    assert (old.wa_id, old.user_id, old.profile_name, old.key) == ("573001112233", "", "Ana", "573001112233")
    new = identity_from_inbound({"from_user_id": BSUID}, {"user_id": BSUID, "profile": {"username": "@lucia.m"}})
    assert (new.wa_id, new.user_id, new.username, new.key) == ("", BSUID, "lucia.m", BSUID)
    assert not identity_from_inbound({}, None)
    assert is_bsuid(BSUID) and is_bsuid("CO.ENT.11815799212886844830")
    assert not is_bsuid("+573001112233") and not is_bsuid("573001112233") and not is_bsuid("")


def test_sends_address_a_phone_in_to_and_a_bsuid_in_recipient():
    assert send_address("+573001112233") == {"to": "+573001112233"}
    assert send_address("573001112233") == {"to": "+573001112233"}
    assert send_address(BSUID) == {"recipient": BSUID}


@responses.activate
def test_the_graph_client_sends_to_a_bsuid_through_recipient():
    responses.post("https://graph.example.test/v26.0/111/messages", json={"messages": [{"id": "wamid.B"}]})
    GraphClient("t", base_url="https://graph.example.test", version="v26.0").send_text("111", BSUID, "Hola")
    body = json.loads(responses.calls[0].request.body)
    assert body["recipient"] == BSUID and "to" not in body


def test_the_country_for_prices_comes_from_the_phone_else_the_bsuid():
    assert recipient_country_code("573001112233") == "57"
    assert recipient_country_code("", BSUID) == "57"
    assert recipient_country_code("", "MX.123456") == "52"
    assert recipient_country_code("", "") == "" and recipient_country_code("", "XX.1") == ""


def test_a_2026_status_with_contacts_and_recipient_user_id_is_applied(number, post_webhook):
    contact = ContactFactory(client=number.client, wa_id="", user_id=BSUID)
    conversation = ConversationFactory(number=number, contact=contact)
    sent = MessageFactory(conversation=conversation, direction="out", status="sent", wamid="wamid.OUT1", sent_by="ai")
    post_webhook(meta_payload("status_delivered_2026", number, wamid="wamid.OUT1"))
    sent.refresh_from_db()
    assert sent.status == "delivered" and sent.delivered_at is not None
    assert (sent.pricing_category, sent.pricing_type, sent.billable) == ("service", "regular", True)
