"""core.prepared: the pipeline's hot statements are prepared once per connection on PostgreSQL, and stay
Django's queries (logged, errors wrapped)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.compiled import CompiledSelect
from tests.factories import ConversationFactory, MessageFactory
from tests.support import prepared_statements
from whatsapp.models import Message
from whatsapp.services.replies import _inbound_with_context, load_inbound

pytestmark = pytest.mark.django_db


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
    prepared = {sql: plans for sql, plans in prepared_statements().items() if "whatsapp_message" in sql}
    assert len(prepared) == 1, "one prepared statement, reused by every call"
    ((generic, custom),) = prepared.values()
    assert generic + custom == 8
    assert generic >= 1, "after a few custom plans PostgreSQL keeps the generic one and plans no more"


@pytest.mark.postgres
def test_with_prepared_hot_reads_off_nothing_is_prepared(number, settings):
    settings.DATABASE_PREPARE_HOT_STATEMENTS = False
    message = MessageFactory(conversation=ConversationFactory(number=number), text="hola")
    compiled = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))
    for _ in range(3):
        assert compiled.first(message.pk, date(2026, 12, 1)).text == "hola"
    assert not [statement for statement in prepared_statements() if "whatsapp_message" in statement]


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
    from core.prepared import _hot_statement

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
