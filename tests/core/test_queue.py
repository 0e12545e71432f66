"""core.queue on a real Redis broker: tasks queued in a `published_together` block reach it together."""

from __future__ import annotations

import os

import pytest
import redis

from core.queue import enqueue, published_together

pytestmark = [pytest.mark.django_db, pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")]


@pytest.fixture
def broker(redis_broker):
    redis_broker.conf.task_always_eager = False
    yield redis.Redis.from_url(os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"))
    redis_broker.conf.task_always_eager = True


def test_tasks_queued_in_a_block_reach_the_broker_when_it_ends(broker):
    with published_together():
        for message_id in (11, 12, 13):
            enqueue("whatsapp.answer_inbound_message", message_id)
        with published_together():  # an inner block joins the outer one
            enqueue("whatsapp.answer_inbound_message", 14)
        assert broker.llen("celery") == 0, "held until the block ends"
    assert broker.llen("celery") == 4
    enqueue("whatsapp.answer_inbound_message", 15)  # outside a block: at once
    assert broker.llen("celery") == 5


def test_a_block_that_raises_queues_nothing(broker):
    with pytest.raises(RuntimeError), published_together():
        enqueue("whatsapp.answer_inbound_message", 21)
        raise RuntimeError("the transaction that queued it failed")
    assert broker.llen("celery") == 0


@pytest.mark.django_db(transaction=True)  # the reply tasks are queued when the batch's transaction commits
def test_a_batch_of_deliveries_queues_its_reply_tasks_together_when_it_commits(broker, number):
    import json

    from tests.meta_fixtures import text_message
    from whatsapp.services.webhooks import store_webhook_event, webhook_events_apply

    for i in range(3):
        store_webhook_event(json.dumps(text_message(number, wamid=f"wamid.Q{i}", sender=f"5730000000{i}")).encode())
    assert webhook_events_apply() == 3
    queued = [json.loads(raw)["headers"]["task"] for raw in broker.lrange("celery", 0, -1)]
    assert queued == ["whatsapp.answer_inbound_message"] * 3
