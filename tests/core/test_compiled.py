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


def test_any_of_takes_a_list_as_one_parameter_so_one_compiled_read_serves_lists_of_every_length(number):
    """`__any_of` (core.lookups): what `__in` finds, with the SQL unchanged whatever the list's length (an array on
    PostgreSQL, JSON text on SQLite), so it compiles once; an empty list finds nothing."""
    conversation = ConversationFactory(number=number)
    stored = [MessageFactory(conversation=conversation, wamid=f"wamid.ANY{i}", text=f"m{i}") for i in range(4)]
    other = MessageFactory(wamid="wamid.ANYOTHER")  # another client's message
    compiled = CompiledSelect(
        lambda clients, wamids: Message.objects.filter(client_id__any_of=clients, wamid__any_of=wamids),
        [-1],
        ["placeholder"],
    )
    one, many = compiled.sql_with_params([1], ["a"]), compiled.sql_with_params([1, 2], ["a", "b", "c"])
    assert one[0] == many[0] and len(one[1]) == len(many[1])  # a list is one parameter, whatever its length
    for clients, wamids in (
        ([number.client_id], ["wamid.ANY0"]),
        ([number.client_id], ["wamid.ANY1", "wamid.ANY3", "wamid.NONE", "wamid.ANYOTHER"]),
        ([number.client_id, other.client_id], ["wamid.ANYOTHER", "wamid.ANY2", 'it\'s "odd" {,}']),
        ([number.client_id], []),
    ):
        found = {m.wamid for m in compiled.all(clients, wamids)}
        assert found == set(
            Message.objects.filter(client_id__in=clients, wamid__in=wamids).values_list("wamid", flat=True)
        )
    assert {m.wamid for m in compiled.all([number.client_id], [m.wamid for m in stored])} == {m.wamid for m in stored}
