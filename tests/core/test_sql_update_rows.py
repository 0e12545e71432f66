"""core.sql.update_rows: many rows, each with values of its own, written in one statement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.sql import update_rows
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_keeps_the_columns_it_does_not_change(number):
    conversation = ConversationFactory(number=number)
    one, two, three, untouched = (
        MessageFactory(conversation=conversation, direction=Message.Direction.OUTBOUND, billable=True) for _ in range(4)
    )
    sent = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    read = datetime(2026, 12, 7, 10, 5, tzinfo=UTC)

    with CaptureQueriesContext(connection) as queries:
        matched = update_rows(
            Message,
            {
                one.pk: {"sent_at": sent, "pricing_category": "service", "billable": False},
                two.pk: {"read_at": read},
                three.pk: {"sent_at": None, "pricing_category": 'O\'Brien "quoted", {braces}'},
                untouched.pk: {},
            },
        )

    assert matched == 3
    if connection.vendor == "postgresql":
        assert len(queries) == 1  # one statement whatever the rows and their columns
    rows = {m.pk: m for m in Message.objects.filter(pk__in=[one.pk, two.pk, three.pk, untouched.pk])}
    assert (rows[one.pk].sent_at, rows[one.pk].pricing_category, rows[one.pk].billable) == (sent, "service", False)
    assert rows[one.pk].read_at is None
    assert (rows[two.pk].read_at, rows[two.pk].sent_at, rows[two.pk].billable) == (read, None, True)
    assert rows[three.pk].pricing_category == 'O\'Brien "quoted", {braces}'
    assert rows[three.pk].read_at is None and rows[three.pk].billable is True
    assert rows[untouched.pk].sent_at is None and rows[untouched.pk].pricing_category == ""


def test_rows_that_all_change_the_same_columns_and_an_empty_call(number):
    messages = MessageFactory.create_batch(3, conversation=ConversationFactory(number=number))

    assert update_rows(Message, {}) == 0
    assert update_rows(Message, {m.pk: {"text": f"nuevo {i}", "status": "read"} for i, m in enumerate(messages)}) == 3

    assert sorted(Message.objects.values_list("text", "status")) == [
        ("nuevo 0", "read"),
        ("nuevo 1", "read"),
        ("nuevo 2", "read"),
    ]


def test_a_primary_key_that_does_not_exist_matches_nothing(number):
    message = MessageFactory(conversation=ConversationFactory(number=number))

    assert update_rows(Message, {message.pk: {"text": "sí"}, message.pk + 1000: {"text": "no"}}) == 1
    assert list(Message.objects.values_list("text", flat=True)) == ["sí"]
