"""Per-number pacing and the beat job that heals sends whose task or worker was lost."""

import time
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.utils import timezone

from crm import processes
from sandbox.models import SandboxMessage
from sandbox.services import open_window
from tests.factories import ConversationFactory, MessageFactory
from whatsapp.models import Message
from whatsapp.pacing import acquire_send_slot
from whatsapp.services.outbound import record_outbound_message, sweep_stale_sends


def test_each_number_gets_its_own_sends_per_second(settings):
    settings.WHATSAPP_SENDS_PER_SECOND = 3
    now = 1_763_776_000.2
    assert [acquire_send_slot("111", now=now) for _ in range(4)] == [True, True, True, False]
    assert acquire_send_slot("222", now=now), "another number is not slowed down"
    assert acquire_send_slot("111", now=now + 1), "the next second has room again"


@pytest.fixture
def cache_down(settings):
    """The cache is a Redis that does not answer (a restart in progress): nothing listens on the port."""
    settings.CACHES = {
        "default": {"BACKEND": "core.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{processes.free_port()}/0"}
    }


def test_pacing_fails_open_while_the_cache_is_down(cache_down):
    with pytest.raises(redis.exceptions.ConnectionError):  # the cache really is unreachable
        cache.add("probe", 1)
    assert acquire_send_slot("111")


@pytest.mark.django_db(transaction=True)
def test_a_send_claimed_while_redis_restarts_is_sent_not_stuck(sandbox_live, number, cache_down):
    """Regression: the pace slot was taken after the pending → sending claim, and a cache error there left
    the message in `sending` with Meta never called; the stale-send sweep then failed it as interrupted."""
    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    message = record_outbound_message(conversation=conversation, text="Ya te ayudo", sent_by="agent")
    message.refresh_from_db()
    assert message.status == "sent"
    assert [m.text for m in SandboxMessage.objects.filter(direction="out")] == ["Ya te ayudo"]


@pytest.mark.django_db(transaction=True)
def test_sweep_fails_stuck_sends_and_sends_lost_ones(sandbox_live, number):
    old = timezone.now() - timedelta(minutes=30)
    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    outbound = {"conversation": conversation, "direction": "out", "wamid": None, "sent_by": "agent"}
    stuck = MessageFactory(**outbound, status="sending", created_at=old)
    lost = MessageFactory(**outbound, status="pending", created_at=old, text="¿Sigues ahí?")
    fresh = MessageFactory(**outbound, status="sending")
    delivered = MessageFactory(**{**outbound, "wamid": "wamid.D"}, status="delivered", created_at=old)

    result = sweep_stale_sends(older_than_minutes=15, pending_grace_seconds=60)

    assert result == {"requeued": 1, "failed": 1}
    assert Message.objects.get(pk=lost.pk).status == "sent"
    assert [m.text for m in SandboxMessage.objects.filter(direction="out")] == ["¿Sigues ahí?"]
    assert Message.objects.get(pk=stuck.pk).error_code == "send_interrupted"
    assert Message.objects.get(pk=fresh.pk).status == "sending"
    assert Message.objects.get(pk=delivered.pk).status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_a_customer_message_whose_reply_task_was_lost_is_answered_by_the_sweep(sandbox_live, number):
    from whatsapp.tasks import answer_unanswered_inbound

    def written(minutes_ago, **kwargs):
        conversation = ConversationFactory(number=number, last_inbound_at=timezone.now(), **kwargs)
        open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
        message = MessageFactory(conversation=conversation, text="¿Abren hoy?")  # stored; its task never ran
        Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=minutes_ago))
        return message

    lost = written(5)
    recent = written(0)  # its task may still be on its way
    written(5, owner="human")  # a person answers here
    written(90)  # too old to answer now: people see it in the inbox

    assert answer_unanswered_inbound() == 1
    [reply] = Message.objects.filter(direction="out")
    assert reply.reply_to_id == lost.pk and reply.status == "sent"
    assert SandboxMessage.objects.filter(direction="out").count() == 1
    assert answer_unanswered_inbound() == 0  # answered now: never twice
    assert not Message.objects.filter(reply_to=recent).exists()


@pytest.mark.django_db(transaction=True)
def test_sweep_sends_a_pending_retry_only_once_it_is_overdue(sandbox_live, number):
    """A retry waiting out its backoff is left alone; one whose task was lost (still pending well after it
    was due) is sent, seconds after its due time rather than minutes after the message was written."""
    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    outbound = {"conversation": conversation, "direction": "out", "wamid": None, "sent_by": "agent"}
    written = timezone.now() - timedelta(minutes=2)
    waiting = MessageFactory(**outbound, status="pending", created_at=written, text="espera",
                             next_attempt_at=timezone.now() + timedelta(seconds=30))  # fmt: skip
    lost = MessageFactory(**outbound, status="pending", created_at=written, text="perdido",
                          next_attempt_at=timezone.now() - timedelta(seconds=20))  # fmt: skip

    result = sweep_stale_sends(older_than_minutes=15, pending_grace_seconds=10)

    assert result == {"requeued": 1, "failed": 0}
    assert Message.objects.get(pk=lost.pk).status == "sent"
    assert Message.objects.get(pk=waiting.pk).status == "pending"
    assert [m.text for m in SandboxMessage.objects.filter(direction="out")] == ["perdido"]


@pytest.mark.django_db(transaction=True)
def test_a_transient_failure_records_when_its_retry_is_due(sandbox_live, number):
    """Eager runs retry at once; what stays behind is the due time the first failure noted for the sweep."""
    from sandbox.models import SandboxFault
    from whatsapp.tasks import send_outbound_message

    before = timezone.now()
    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    message = MessageFactory(conversation=conversation, direction="out", wamid=None, sent_by="agent", status="pending")
    SandboxFault.objects.create(phone_number_id=number.phone_number_id, error_code=131000, http_status=500)

    send_outbound_message.apply(args=[message.pk])

    message.refresh_from_db()
    assert message.status == "sent" and message.attempts == 2
    assert message.next_attempt_at is not None and message.next_attempt_at > before + timedelta(seconds=0.9)


@pytest.mark.django_db(transaction=True)
def test_a_transient_failure_is_released_in_one_update_due_when_its_retry_is_queued(sandbox_live, number, redis_broker):
    """The release after Meta's transient error writes pending, the attempt and the due time in one UPDATE,
    and the retry the broker receives is due at that same moment (the sweep and the retry agree)."""
    import base64
    import json
    import os
    from datetime import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sandbox.models import SandboxFault
    from whatsapp.services.outbound import claim_for_sending
    from whatsapp.tasks import send_claimed

    conversation = ConversationFactory(number=number)
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    message = MessageFactory(conversation=conversation, direction="out", wamid=None, sent_by="agent", status="pending")
    SandboxFault.objects.create(phone_number_id=number.phone_number_id, error_code=131000, http_status=500)
    claimed = claim_for_sending(message.pk)

    before = timezone.now()
    redis_broker.conf.task_always_eager = False  # the retry goes to the broker instead of running here
    try:
        with CaptureQueriesContext(connection) as queries:
            send_claimed(claimed)
    finally:
        redis_broker.conf.task_always_eager = True

    table = Message._meta.db_table
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and f'"{table}"' in q["sql"].split("SET")[0]]
    assert len(updates) == 1, updates
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    broker = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    [queued] = [json.loads(raw) for raw in broker.lrange(redis_broker.conf.task_default_queue, 0, -1)]
    assert queued["headers"]["task"] == "whatsapp.send_outbound_message"
    assert json.loads(base64.b64decode(queued["body"]))[0] == [message.pk]
    due_by_broker = datetime.fromisoformat(queued["headers"]["eta"])
    assert 0 <= (due_by_broker - message.next_attempt_at).total_seconds() < 0.5
    assert message.next_attempt_at >= before + timedelta(seconds=1)  # a backoff (at least 1 s), not "now"


@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")  # send_task queues for real
def test_the_answer_sweep_waits_while_tasks_are_still_queued(sandbox_live, number, redis_broker):
    """Behind a backlog a reply task is late, not lost: re-queuing every waiting message would only make
    the backlog longer. Once the queue is empty the lost ones are queued again."""
    from core.queue import backlog
    from whatsapp.tasks import answer_unanswered_inbound

    conversation = ConversationFactory(number=number, last_inbound_at=timezone.now())
    open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    message = MessageFactory(conversation=conversation, text="¿Abren hoy?")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    redis_broker.send_task("whatsapp.apply_webhook_events")  # something still waits for a worker

    assert backlog() == 1
    assert answer_unanswered_inbound() == 0
    assert not Message.objects.filter(direction="out").exists()

    redis_broker.control.purge()
    assert not backlog()
    assert answer_unanswered_inbound() == 1  # eager here: queued and answered
    assert Message.objects.filter(direction="out", reply_to=message).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_wake_up_queues_one_apply_task_on_the_webhooks_queue_due_after_the_window(redis_broker, settings):
    """Workers take the webhooks queue first; the window lets a batch gather; an armed flag queues nothing more."""
    import json
    import os
    from datetime import datetime

    from whatsapp.services.webhooks import APPLY_ARMED_KEY, workers_wake

    settings.WEBHOOK_APPLY_WINDOW_SECONDS = 0.05
    cache.delete(APPLY_ARMED_KEY)
    before = timezone.now()
    redis_broker.conf.task_always_eager = False
    try:
        assert workers_wake() is True
        assert workers_wake() is False  # the queued task will take this delivery too
    finally:
        redis_broker.conf.task_always_eager = True
        cache.delete(APPLY_ARMED_KEY)

    broker = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    assert broker.llen(redis_broker.conf.task_default_queue) == 0
    [queued] = [json.loads(raw) for raw in broker.lrange("webhooks", 0, -1)]
    assert queued["headers"]["task"] == "whatsapp.apply_webhook_events"
    due = datetime.fromisoformat(queued["headers"]["eta"])
    assert 0.04 <= (due - before).total_seconds() < 1


@pytest.mark.django_db(transaction=True)
def test_after_finding_the_flag_set_a_wake_up_skips_the_cache_for_one_window(redis_broker, settings):
    """The request's wake-up asks Redis once per window while a task is armed; the apply task that clears the
    flag and finds nothing pending queues a look one window later for what those skipped wake-ups stored."""
    import json
    import os
    from datetime import datetime

    from whatsapp.services.webhooks import APPLY_ARMED_KEY, webhook_events_apply_pending, workers_wake

    settings.WEBHOOK_APPLY_WINDOW_SECONDS = 0.3
    broker = redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    redis_broker.conf.task_always_eager = False
    try:
        cache.add(APPLY_ARMED_KEY, 1)  # another process armed it
        assert workers_wake() is False
        cache.delete(APPLY_ARMED_KEY)
        assert workers_wake() is False and cache.get(APPLY_ARMED_KEY) is None, "skipped: the cache was not asked"
        time.sleep(0.35)
        assert workers_wake() is True, "a window later it asks again, and arms the clear flag"
        assert broker.llen("webhooks") == 1

        before = timezone.now()
        assert webhook_events_apply_pending() == 0  # nothing pending: the flag is cleared and a look queued
    finally:
        redis_broker.conf.task_always_eager = True
    assert cache.get(APPLY_ARMED_KEY) is None
    queued = [json.loads(raw) for raw in broker.lrange("webhooks", 0, -1)]
    newest_first = [q["headers"]["task"] for q in queued]
    assert newest_first == ["whatsapp.recheck_webhook_events", "whatsapp.apply_webhook_events"]
    due = datetime.fromisoformat(queued[0]["headers"]["eta"])
    assert 0.55 <= (due - before).total_seconds() < 1.5, "two windows: one of margin"
