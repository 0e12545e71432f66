"""Helpers shared by the tests that drive real processes: start them, wait for something, play the customer,
read the outbox."""

from __future__ import annotations

import os
import smtplib
import subprocess
import time
from typing import IO

import requests
from django.conf import settings
from django.core.mail.backends import locmem

CUSTOMER = "+573001112233"


def process_env(*, base_url: str, redis_url: str, **overrides: str) -> dict[str, str]:
    """The environment of the product's processes started by a test: this test's database (PostgreSQL only:
    they must share it), `redis_url` as the broker, real (not eager) tasks, the sandbox inside the web process
    at `base_url` as the Graph API posting status webhooks back, and this run's secrets; `overrides` win."""
    from django.db import connection

    db = connection.settings_dict
    assert db["ENGINE"].endswith("postgresql"), "real processes share the test database: PostgreSQL only"
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "CACHE_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "WHATSAPP_GRAPH_URL": f"{base_url}/sandbox/graph",
        "WEBHOOK_URL": f"{base_url}/webhook/whatsapp",
        "SANDBOX_STATUS_WEBHOOKS": "true",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
        "PYTHONUNBUFFERED": "1",
        **overrides,
    }


def start_process(command: list[str], *, env: dict[str, str], log: IO) -> subprocess.Popen:
    """One of the product's processes (see `crm.processes` for the commands), from the project's folder,
    its output and errors to `log`."""
    return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy (or the time is up); returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def customer_writes(base_url: str, number, text: str, *, sender: str = CUSTOMER, profile_name: str = "Ana") -> str:
    """The customer `sender` writes `text` to `number` through the sandbox; returns the inbound wamid."""
    response = requests.post(
        f"{base_url}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": sender, "text": text, "profile_name": profile_name},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["webhook_status"] == 200
    return response.json()["wamid"]


def sent_to(base_url: str, number, to: str = CUSTOMER) -> list[dict]:
    """What the product sent from `number` to `to` through the sandbox's Graph API."""
    response = requests.get(
        f"{base_url}/sandbox/api/messages", params={"phone_number_id": number.phone_number_id, "to": to}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]


class FailingSMTPBackend(locmem.EmailBackend):
    """Django's test outbox behind a mail server that drops the connection on a batch for an address in
    `failing`, `failing[address]` more times (-1: every time). Use as EMAIL_BACKEND
    "tests.support.FailingSMTPBackend" and set `failing` with monkeypatch."""

    failing: dict[str, int] = {}

    def send_messages(self, messages):
        for address in sorted({to for message in messages for to in message.recipients()}):
            left = self.failing.get(address, 0)
            if left:
                self.failing[address] = left - 1 if left > 0 else left
                raise smtplib.SMTPServerDisconnected(f"Connection unexpectedly closed (sending to {address})")
        return super().send_messages(messages)


def prepared_statements() -> dict[str, tuple[int, int]]:
    """This connection's prepared statements on PostgreSQL: text (whitespace folded) → (generic, custom) plans run."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
        return {" ".join(statement.split()): (generic, custom) for statement, generic, custom in cursor.fetchall()}
