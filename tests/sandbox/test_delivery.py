"""Webhook delivery over real HTTP: signed bodies, and retries while the receiver fails (as Meta retries)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import OperationalError, connection

from sandbox import delivery
from sandbox.delivery import run_step
from sandbox.models import SandboxMessage
from whatsapp.signature import sign_body


@pytest.fixture
def receiver():
    """A real HTTP endpoint that answers the statuses in `answers` in turn and records what it got."""
    received, answers = [], [500, 503, 200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((body, self.headers["X-Hub-Signature-256"]))
            self.send_response(answers.pop(0) if answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received, answers
    server.shutdown()


def test_a_failing_receiver_gets_retries_until_it_accepts(receiver, monkeypatch):
    url, received, _ = receiver
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.01, 0.01, 0.01))
    assert delivery.post_until_delivered({"object": "whatsapp_business_account", "entry": []}, url=url) == 200
    assert len(received) == 3
    assert all(signature == sign_body(body) for body, signature in received)


def test_retries_stop_after_the_schedule(receiver, monkeypatch):
    url, received, answers = receiver
    answers[:] = [500] * 10
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.01, 0.01))
    assert delivery.post_until_delivered({"entry": []}, url=url) == 500
    assert len(received) == 3  # the first try and two retries


def test_an_unreachable_receiver_is_retried_in_the_background(receiver, monkeypatch):
    url, received, answers = receiver
    answers[:] = []
    monkeypatch.setattr(delivery, "RETRY_DELAYS", (0.01,))
    thread = delivery.retry_in_background({"entry": []}, url=url, first=None)  # the synchronous try got nothing
    thread.join(timeout=5)
    assert len(received) == 1
    assert delivery.retry_in_background({"entry": []}, url=url, first=200) is None


def test_a_background_step_that_meets_a_busy_database_is_tried_again_until_it_succeeds():
    """SQLite's shared cache answers "table is locked" at once; the step's write must still happen."""
    calls: list[int] = []

    def step() -> None:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("database table is locked: sandbox_sandboxmessage")

    run_step(step)
    assert len(calls) == 3


def test_a_background_step_that_keeps_failing_is_logged_and_given_up(caplog):
    calls: list[int] = []

    def busy() -> None:
        calls.append(1)
        raise OperationalError("database table is locked")

    def broken() -> None:
        calls.append(1)
        raise ValueError("not a database problem")

    run_step(busy, attempts=3)
    assert len(calls) == 3 and "stayed busy" in caplog.text
    calls.clear()
    run_step(broken)
    assert len(calls) == 1  # only a busy database is worth another try


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_background_thread_holds_no_database_connection_while_it_waits():
    """Hundreds of status threads waiting out a receiver that is down must not hold a connection each."""

    def others() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return cursor.fetchone()[0]

    wrote, release = threading.Event(), threading.Event()

    def write() -> None:
        SandboxMessage.objects.count()  # the step opens the thread's own connection
        wrote.set()

    before = others()
    thread = delivery.post_later([(0, None, write), (0, None, release.wait)])
    assert wrote.wait(5)
    for _ in range(50):  # the connection is closed right after the step
        if others() == before:
            break
        time.sleep(0.02)
    assert others() == before
    release.set()
    thread.join(5)
