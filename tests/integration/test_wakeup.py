"""The webhook's wake-up skips Redis after finding the flag set, and no delivery waits for the sweep for it.

Real gunicorn (one process, so one memory of the flag) and a real worker on Redis, no beat: whatever is
applied here was woken by a request or by the apply task's look one window after it cleared the flag.
"""

from __future__ import annotations

import json
import os
import time

import pytest
import redis
import requests

from crm import processes
from tests.support import process_env, start_process, wait_for
from whatsapp.models import WebhookEvent
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

WINDOW = 2.0  # long, so the steps below fit inside it on a busy machine
FLAG = ":1:whatsapp:apply-armed"  # APPLY_ARMED_KEY as Django's cache stores it


def post(base: str, name: str) -> None:
    body = json.dumps({"object": "whatsapp_business_account", "entry": [], "name": name}).encode()
    response = requests.post(
        f"{base}/webhook/whatsapp",
        data=body,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def applied(name: str) -> bool:
    return WebhookEvent.objects.filter(body__contains=f'"name": "{name}"').exclude(outcome="received").exists()


def test_a_delivery_whose_wake_up_was_skipped_is_applied_by_the_look_one_window_later(tmp_path):
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    broker = redis.Redis.from_url(redis_url)
    broker.flushdb()
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = process_env(base_url=base, redis_url=redis_url, WEBHOOK_APPLY_WINDOW_SECONDS=str(WINDOW))
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("web", "worker")}
    running = [
        start_process(processes.gunicorn_command(port, workers=1, threads=2), env=env, log=logs["web"]),
        start_process(processes.worker_command(concurrency=1), env=env, log=logs["worker"]),
    ]
    try:
        assert processes.wait_until_healthy(base), (tmp_path / "web.log").read_text()
        time.sleep(2)  # the worker connects
        started = time.monotonic()
        post(base, "first")  # arms the flag: one apply task, due a window from now
        assert broker.exists(FLAG)
        time.sleep(WINDOW * 0.6)
        post(base, "second")  # finds the flag set: the web process remembers it for a window
        assert wait_for(lambda: applied("first") and applied("second"), timeout=10, interval=0.05)
        assert wait_for(lambda: not broker.exists(FLAG), timeout=5, interval=0.01), "cleared after the batch"

        post(base, "third")  # after the clear, within the window of "second": the wake-up is skipped
        posted_third = time.monotonic()
        assert posted_third - started < WINDOW * 1.6, "the machine was too slow to post inside the window"
        assert not broker.exists(FLAG), "the request did not ask Redis, so nothing armed the flag"
        assert not applied("third")
        # The task that cleared the flag found nothing pending and queued a look two windows later; that look
        # finds "third" and wakes an apply task (due one more window later). No beat runs in this test.
        assert wait_for(lambda: applied("third"), timeout=6 * WINDOW, interval=0.05), (
            tmp_path / "worker.log"
        ).read_text()
    finally:
        processes.stop(running)
        for log in logs.values():
            log.close()
