"""Dashboard and portal pages cost the same number of queries with 1 client as with 25.

Operator pages aggregate across clients in a fixed number of queries; a client's portal pages read only
that client's rows. A page that started querying once per client (or per row) fails here.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    ConversationFactory,
    MembershipFactory,
    MessageFactory,
    UserFactory,
    WhatsAppNumberFactory,
)

pytestmark = pytest.mark.django_db

OPERATOR_PAGES = ["/dashboard/", "/api/dashboard/metrics", "/billing/costs/"]
PORTAL_PAGES = ["/app/", "/app/inbox/", "/app/numbers/", "/app/usage/"]


def busy_clients(count: int) -> list:
    """`count` clients, each with an active number and a conversation with two messages today."""
    clients = []
    for _ in range(count):
        number = WhatsAppNumberFactory(status="active")
        conversation = ConversationFactory(number=number)
        MessageFactory(conversation=conversation)
        MessageFactory(conversation=conversation, direction="out", sent_by="ai", status="sent")
        clients.append(number.client)
    return clients


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


def test_operator_pages_do_not_grow_with_the_number_of_clients(client):
    client.force_login(UserFactory(is_staff=True))
    busy_clients(1)
    few = {url: queries(client, url) for url in OPERATOR_PAGES}
    busy_clients(24)
    assert {url: queries(client, url) for url in OPERATOR_PAGES} == few


def test_a_clients_portal_does_not_grow_with_other_clients(client):
    [own] = busy_clients(1)
    client.force_login(MembershipFactory(client=own, role="owner").user)
    few = {url: queries(client, url) for url in PORTAL_PAGES}
    busy_clients(24)
    assert {url: queries(client, url) for url in PORTAL_PAGES} == few


def test_the_inbox_does_not_grow_with_its_own_conversations(client):
    [own] = busy_clients(1)
    client.force_login(MembershipFactory(client=own, role="owner").user)
    few = queries(client, "/app/inbox/")
    number = own.numbers.get()
    for _ in range(24):
        MessageFactory(conversation=ConversationFactory(number=number))
    assert queries(client, "/app/inbox/") == few
