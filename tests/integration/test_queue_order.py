"""A real worker on Redis takes the webhook deliveries' apply task before reply work queued earlier.

With one FIFO queue, the task that turns stored deliveries into reply tasks waited behind every reply already
queued, and under load customers' messages waited seconds before they were even stored (bench/README.md).
"""

from __future__ import annotations

import os
import re

import pytest
import redis
from celery import Celery

from crm import processes
from tests.support import process_env, start_process, wait_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DONE = re.compile(r"Task (\S+)\[[^\]]+\] succeeded")


def test_apply_tasks_run_before_reply_work_queued_before_them(tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    redis.Redis.from_url(redis_url).flushdb()
    # A publisher of its own with the product's Celery settings (its routes), on Redis: the tests' app is eager.
    publisher = Celery("publisher", set_as_current=False)  # the tests go on with the product's (eager) app
    publisher.config_from_object("django.conf:settings", namespace="CELERY")
    publisher.conf.update(broker_url=redis_url, task_always_eager=False)
    try:
        for _ in range(5):
            publisher.send_task("whatsapp.answer_unanswered_inbound")  # the default queue, like reply tasks
        for _ in range(2):
            publisher.send_task("whatsapp.apply_webhook_events")  # routed to the webhooks queue (crm.settings)
    finally:
        publisher.close()
    assert redis.Redis.from_url(redis_url).llen("webhooks") == 2

    log_path = tmp_path / "worker.log"
    env = process_env(base_url="http://127.0.0.1:9", redis_url=redis_url)
    with log_path.open("w") as log:
        worker = start_process(processes.worker_command(concurrency=1), env=env, log=log)
        try:
            finished = wait_for(lambda: len(DONE.findall(log_path.read_text())) >= 7, timeout=60)
        finally:
            processes.stop([worker])
    assert finished, log_path.read_text()
    order = DONE.findall(log_path.read_text())
    # Both first: taking turns between the queues (kombu's default) would put a reply task between them.
    assert order[:2] == ["whatsapp.apply_webhook_events"] * 2, order
