"""The product as it runs in production: gunicorn and a Celery worker on Redis, as separate processes.

A signed webhook goes over HTTP to gunicorn, the worker answers through the Graph client (HTTP to
the sandbox inside gunicorn), the sandbox posts sent/delivered/read back to the webhook.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from billing.models import UsagePeriod
from tests.factories import connected_number
from tests.meta_fixtures import text_message
from whatsapp.models import Message
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout=30.0, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


@pytest.fixture
def stack(transactional_db, tmp_path):
    """gunicorn + Celery worker on the test database and a private Redis db; yields the base URL."""
    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql"), "real processes share the test database: PostgreSQL only"
    database_url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    redis.Redis.from_url(redis_url).flushdb()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CACHE_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "WHATSAPP_GRAPH_URL": f"{base}/sandbox/graph",
        "WEBHOOK_URL": f"{base}/webhook/whatsapp",
        "SANDBOX_STATUS_WEBHOOKS": "true",
        "AI_REPLY_QUIET_SECONDS": "0.5",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
        "PYTHONUNBUFFERED": "1",
    }
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("web", "worker")}
    commands = {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "crm.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--worker-class",
            "gthread",
        ],
        "worker": [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
    }
    processes = {
        name: subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT)
        for name, cmd in commands.items()
    }
    try:

        def web_up():
            try:
                return requests.get(f"{base}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_for(web_up, timeout=30), (tmp_path / "web.log").read_text()
        assert wait_for(lambda: "ready." in (tmp_path / "worker.log").read_text(), timeout=30), (
            tmp_path / "worker.log"
        ).read_text()
        yield base
    finally:
        for proc in processes.values():
            proc.terminate()
        for proc in processes.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs.values():
            log.close()


def test_signed_webhook_to_gunicorn_gets_a_reply_from_the_worker(stack):
    number = connected_number()
    # The customer writes through the sandbox (opens Meta's 24-hour window and posts the signed webhook).
    response = requests.post(
        f"{stack}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": "+573001112233", "text": "Hola, ¿abren hoy?"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["webhook_status"] == 200

    def replies():
        found = requests.get(
            f"{stack}/sandbox/api/messages",
            params={"phone_number_id": number.phone_number_id, "to": "+573001112233"},
            timeout=5,
        ).json()["results"]
        return found

    sent = wait_for(replies, timeout=30)
    assert len(sent) == 1, "exactly one reply"
    outbound = wait_for(
        lambda: Message.objects.filter(direction="out", wamid=sent[0]["wamid"], status="read").first(), timeout=30
    )
    assert outbound is not None, "sent → delivered → read arrived back through the signed webhook"
    assert outbound.pricing_category == "service"
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.service_messages, usage.ai_replies, usage.inbound_messages) == (1, 1, 1)


def test_meta_style_signed_post_is_accepted_and_a_forged_one_refused(stack):
    number = connected_number()
    body = json.dumps(text_message(number, wamid="wamid.REAL1", text="hola")).encode()
    forged = requests.post(
        f"{stack}/webhook/whatsapp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": "sha256=00"},
    )
    assert forged.status_code == 403
    ok = requests.post(
        f"{stack}/webhook/whatsapp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)},
    )
    assert ok.status_code == 200
    assert Message.objects.filter(wamid="wamid.REAL1").exists()
    health = requests.get(f"{stack}/healthz", timeout=5).json()
    assert health["database"]["ok"] and health["broker"]["ok"]
    assert health["broker"]["detail"] == "redis"
