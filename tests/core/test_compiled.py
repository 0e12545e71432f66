"""core.compiled: a queryset compiled once gives, call after call, what the ORM itself would give."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import UsagePeriod
from core.compiled import CompiledSelect
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message
from whatsapp.services.replies import _inbound_with_context, load_inbound

pytestmark = pytest.mark.django_db


def test_each_call_swaps_the_values_and_builds_instances_with_their_relations_cached(number):
    one = MessageFactory(conversation=ConversationFactory(number=number), text="uno")
    two = MessageFactory(conversation=ConversationFactory(number=number), text="dos")
    UsagePeriod.objects.create(client=number.client, number=number, month=date(2026, 12, 1), allowance=9,
                               service_messages=4)  # fmt: skip
    compiled = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))

    for message, month, used in (
        (one, date(2026, 12, 1), 4),
        (two, date(2026, 11, 1), None),
        (one, date(2026, 12, 1), 4),
    ):
        with CaptureQueriesContext(connection) as queries:
            found = compiled.first(message.pk, month)
            assert (found.text, found.conversation.contact.wa_id) == (message.text, message.conversation.contact.wa_id)
            assert found.conversation.number.client.name == number.client.name
            assert found.service_used == used
        assert len(queries) == 1, "one query, relations come with it"
        orm = _inbound_with_context(message.pk, month).first()
        assert (orm.pk, orm.superseded_or_answered, orm.replied_up_to, orm.service_used) == (
            found.pk, found.superseded_or_answered, found.replied_up_to, found.service_used
        )  # fmt: skip
    assert compiled.first(10**9, date(2026, 12, 1)) is None


def test_load_inbound_reads_the_number_usage_of_the_current_month(number):
    from billing.months import month_start

    message = MessageFactory(conversation=ConversationFactory(number=number))
    UsagePeriod.objects.create(
        client=number.client, number=number, month=month_start(), allowance=9, service_messages=7
    )
    assert load_inbound(message.pk).service_used == 7
    assert load_inbound(Message.objects.create(client=number.client, conversation=message.conversation, direction="out",
                                               status="sent").pk) is None  # fmt: skip


def test_a_placeholder_that_is_not_exactly_one_parameter_is_refused():
    both = CompiledSelect(lambda value: Message.objects.filter(pk=value, attempts=value), 5)
    with pytest.raises(ValueError, match="2 times"):
        both.first(1)
    absent = CompiledSelect(lambda value: Message.objects.filter(pk=1), 5)
    with pytest.raises(ValueError, match="not among"):
        absent.first(1)


def _prepared_statements() -> dict[str, tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {statement: (generic, custom) for statement, generic, custom in cursor.fetchall()}


@pytest.mark.postgres
def test_on_postgresql_a_hot_read_is_planned_once_per_connection_as_a_prepared_statement(number):
    """Planning the reply task's read cost PostgreSQL ten times its execution on every message."""
    message = MessageFactory(conversation=ConversationFactory(number=number), text="hola")
    compiled = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))
    for _ in range(8):
        with CaptureQueriesContext(connection) as queries:
            assert compiled.first(message.pk, date(2026, 12, 1)).text == "hola"
        assert len(queries) == 1, "still one query, and still seen by Django's query log"
        assert "whatsapp_message" in queries[0]["sql"]
    prepared = {sql: plans for sql, plans in _prepared_statements().items() if "whatsapp_message" in sql}
    assert len(prepared) == 1, "one prepared statement, reused by every call"
    ((generic, custom),) = prepared.values()
    assert generic + custom == 8
    assert generic >= 1, "after a few custom plans PostgreSQL keeps the generic one and plans no more"


@pytest.mark.postgres
def test_with_prepared_hot_reads_off_nothing_is_prepared(number, settings):
    settings.DATABASE_PREPARE_HOT_READS = False
    message = MessageFactory(conversation=ConversationFactory(number=number), text="hola")
    compiled = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))
    for _ in range(3):
        assert compiled.first(message.pk, date(2026, 12, 1)).text == "hola"
    assert not [statement for statement in _prepared_statements() if "whatsapp_message" in statement]


@pytest.mark.postgres
def test_a_database_error_in_a_prepared_read_is_django_s_error_and_the_connection_goes_on(number):
    from django.db import DatabaseError, transaction

    failing = CompiledSelect(lambda value: Message.objects.filter(pk=value).extra(where=["1 / (id - id) = 1"]), -1)
    message = MessageFactory(conversation=ConversationFactory(number=number))
    with pytest.raises(DatabaseError), transaction.atomic():
        failing.first(message.pk)
    assert load_inbound(message.pk) is not None


@pytest.mark.postgres
def test_a_long_hot_statement_is_converted_for_psycopg_once_not_on_every_call(number):
    """psycopg itself remembers only statements under 4 KB; the reply task's read is longer."""
    from core.compiled import _hot_statement

    message = MessageFactory(conversation=ConversationFactory(number=number), text="hola")
    compiled = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))
    sql, _values = compiled.sql_with_params(message.pk, date(2026, 12, 1))
    assert len(sql.encode()) > 4096
    compiled.first(message.pk, date(2026, 12, 1))
    converted = _hot_statement.cache_info()
    for _ in range(3):
        assert compiled.first(message.pk, date(2026, 12, 1)).text == "hola"
    after = _hot_statement.cache_info()
    assert (after.hits - converted.hits, after.misses - converted.misses) == (3, 0)
