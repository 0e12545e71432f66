"""Counters under real concurrency on PostgreSQL: threads with their own connections, no lost update.

PostgreSQL only: what is proved is its row locking between concurrent transactions. SQLite serialises
writers (IMMEDIATE transactions on one file), and its shared-cache in-memory test database answers a
second writer's BEGIN with "database table is locked" at once, without the busy timeout.
"""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from django.db import connection

from billing.models import CountedMessage, UsagePeriod
from billing.services import increment_usage, usage_period_for
from tenants.models import WhatsAppNumber
from tests.billing.support import accepted_message
from tests.factories import ConversationFactory
from whatsapp.services.outbound import count_accepted_message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS, EACH = 8, 125


def run_in_threads(work, chunks):
    barrier = Barrier(len(chunks))

    def worker(chunk):
        try:
            barrier.wait()  # start together so the updates really contend
            return work(chunk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return list(pool.map(worker, chunks))


def test_eight_threads_times_125_increments_make_exactly_1000(number):
    period = usage_period_for(number=number)

    def work(_):
        for _ in range(EACH):
            increment_usage(period_id=period.pk, service_messages=1)

    run_in_threads(work, list(range(THREADS)))
    assert UsagePeriod.objects.get(pk=period.pk).service_messages == THREADS * EACH


def test_1000_messages_counted_from_8_threads_with_every_one_replayed(number):
    conversation = ConversationFactory(number=number)
    ids = [accepted_message(number, conversation=conversation).pk for _ in range(THREADS * EACH)]
    chunks = [ids[i * EACH : (i + 1) * EACH] for i in range(THREADS)]

    def work(chunk):
        # Count this thread's messages, then replay a neighbour's as a retried task would.
        mine = sum(count_accepted_message(pk) for pk in chunk)
        neighbour = chunks[(chunks.index(chunk) + 1) % THREADS]
        replayed = sum(count_accepted_message(pk) for pk in neighbour)
        return mine + replayed

    counted = sum(run_in_threads(work, chunks))
    period = UsagePeriod.objects.get(number=number)
    assert counted == THREADS * EACH
    assert (period.service_messages, period.ai_replies) == (1000, 1000)
    assert CountedMessage.objects.filter(period=period).count() == 1000


def test_the_first_messages_of_a_month_open_one_period_only(number):
    number_id = number.pk
    assert not UsagePeriod.objects.exists()

    def work(_):
        found = WhatsAppNumber.objects.select_related("client").get(pk=number_id)
        return usage_period_for(number=found).pk

    opened = run_in_threads(work, list(range(THREADS)))
    assert len(set(opened)) == 1
    assert UsagePeriod.objects.filter(number=number).count() == 1
