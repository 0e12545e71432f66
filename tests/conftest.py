"""Fixtures shared by every test module."""

from __future__ import annotations

import json
import os

import pytest
import redis
from django.core.cache import cache
from django.core.servers.basehttp import WSGIRequestHandler

from tests.factories import connected_number
from tests.support import process_env, start_process, wait_for
from whatsapp.services.webhooks import ARMED_FLAG_SEEN, webhook_events_apply
from whatsapp.signature import sign_body


def pytest_collection_modifyitems(config, items):
    """`postgres` tests prove what only PostgreSQL gives (row locks between real concurrent connections,
    processes sharing the test database). The SQLite run deselects them (`-m "not postgres"`); run there
    anyway, they are skipped with the reason instead of failing on SQLite's limits, e.g. the shared-cache
    in-memory test database answers a second writer "database table is locked" without waiting."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return
    skip = pytest.mark.skip(reason=f"needs PostgreSQL; the test database is {connection.vendor}")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _eager_results_may_be_read():
    """A test that runs Celery's worker machinery in this process (the sandbox contract tests) leaves
    Celery's "joining would block" flag set, and every later eager `.get()` raises; reset it each test."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
    yield
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _sandbox_posts_finish_with_their_test():
    """The sandbox posts status webhooks from background threads; one still running when its test ends
    reaches the live server during the next test (on SQLite, through the connection both share) and can
    break that test's own Graph call. Give them a moment to finish before the next test starts."""
    yield
    import threading
    import time

    deadline = time.monotonic() + 3
    for thread in threading.enumerate():
        if thread.name == "sandbox-webhooks":
            thread.join(timeout=max(deadline - time.monotonic(), 0))


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    ARMED_FLAG_SEEN.clear()  # what this process remembers of the cache's wake-up flag goes with it
    yield
    cache.clear()
    ARMED_FLAG_SEEN.clear()


@pytest.fixture
def number(db):
    """An active hosted number whose sandbox twin accepts sends."""
    return connected_number()


@pytest.fixture
def post_webhook(client):
    """POST a Meta-signed webhook payload to /webhook/whatsapp, then apply it as the worker would."""

    def post(payload, *, signature: str | None = None):
        body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        headers = {"HTTP_X_HUB_SIGNATURE_256": signature if signature is not None else sign_body(body)}
        response = client.post("/webhook/whatsapp", data=body, content_type="application/json", **headers)
        # The request only stores the delivery; inside a test's transaction its on-commit hand-off never
        # fires, so apply what is pending the way the worker does.
        webhook_events_apply()
        return response

    return post


# The live server writes a response's headers and body apart; on a Nagle socket the body then waits for the
# client's delayed ACK, 40 ms on every call over a kept-alive connection (the Graph client keeps them).
WSGIRequestHandler.disable_nagle_algorithm = True


@pytest.fixture
def sandbox_live(live_server, settings):
    """A live HTTP server where the product's Graph client talks to the sandbox over real HTTP.

    Returns the server's base URL. Status webhooks stay off unless a test turns them on.
    """
    settings.WHATSAPP_GRAPH_URL = f"{live_server.url}/sandbox/graph"
    settings.WEBHOOK_URL = f"{live_server.url}/webhook/whatsapp"
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher's deliberate slowness only costs time here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chromium(monkeypatch):
    """A launched Debian chromium (Playwright's sync API); see tests/browser.py for phone pages."""
    # Playwright's sync API runs an event loop on this thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def stack_env() -> dict[str, str]:
    """Extra environment for the `stack` processes; a test module overrides it (e.g. LOG_FORMAT=json)."""
    return {}


@pytest.fixture
def stack_worker() -> dict:
    """Options for `crm.processes.worker_command` of the `stack` worker; a test module overrides it."""
    return {}


@pytest.fixture
def stack_logs(tmp_path):
    """Where `stack` writes each process's output: {"web": path, "worker": path}."""
    return {"web": tmp_path / "web.log", "worker": tmp_path / "worker.log"}


@pytest.fixture
def stack(transactional_db, tmp_path, stack_env, stack_logs, stack_worker):
    """The product as in production: gunicorn and a Celery worker on Redis, as separate processes,
    on the test database (PostgreSQL only: they must share it) and a private Redis db.

    The sandbox inside gunicorn is the Graph API and posts status webhooks back; yields the base URL.
    """
    from crm import processes

    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = process_env(base_url=base, redis_url=redis_url, **{"AI_REPLY_QUIET_SECONDS": "0.5", **stack_env})
    redis.Redis.from_url(redis_url).flushdb()
    commands = {
        "web": processes.gunicorn_command(port, log_level="info"),
        "worker": processes.worker_command(**stack_worker),
    }
    logs = {name: stack_logs[name].open("w") for name in commands}
    running = [start_process(cmd, env=env, log=logs[name]) for name, cmd in commands.items()]
    try:
        assert processes.wait_until_healthy(base), (tmp_path / "web.log").read_text()
        worker_ready = wait_for(lambda: "ready." in (tmp_path / "worker.log").read_text())
        assert worker_ready, (tmp_path / "worker.log").read_text()
        yield base
    finally:
        processes.stop(running)
        for log in logs.values():
            log.close()


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections_at_teardown(django_db_setup, django_db_blocker):
    """The sandbox's background webhook threads may still hold a connection when the run ends;
    give them a moment, then close what is left so the test database can be dropped cleanly."""
    yield
    import threading

    from django.db import connection

    for thread in threading.enumerate():
        if thread.name == "sandbox-webhooks":
            thread.join(timeout=3)
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )


@pytest.fixture
def redis_broker():
    """The Celery app on a real Redis broker (a private db), so queue lengths are real ones."""
    import os

    from celery import current_app

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    redis.Redis.from_url(url).flushdb()
    previous = current_app.conf.broker_url

    def use(broker_url: str) -> None:
        current_app.conf.broker_url = broker_url
        current_app._pool = None  # the next connections (and producers) are made to the new URL
        current_app.amqp._producer_pool = None

    use(url)
    yield current_app
    redis.Redis.from_url(url).flushdb()
    use(previous)
