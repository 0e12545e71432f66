"""Webhook delivery over real HTTP: signed bodies, and retries while the receiver fails (as Meta retries)."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from sandbox import delivery
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
