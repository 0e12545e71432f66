"""Sentry is started only with SENTRY_DSN, and then reports an unhandled view error over its real protocol.

A local HTTP server plays Sentry's ingest (`POST /api/<project>/envelope/`); a fresh process with the DSN
pointing at it serves a failing request through Django, and the envelope that arrives is read back.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import sentry_sdk
from django.conf import settings

SCRIPT = """
import django, sentry_sdk
django.setup()
from django.test import Client
from django.test.utils import override_settings
client = sentry_sdk.get_client()
print("integrations:", ",".join(sorted(client.integrations)))
with override_settings(ROOT_URLCONF="tests.crm.sentry_urls", ALLOWED_HOSTS=["testserver"]):
    print("status:", Client(raise_request_exception=False).get("/boom-for-sentry").status_code)
sentry_sdk.flush(timeout=10)
"""


def ingest_server() -> tuple[ThreadingHTTPServer, list[tuple[str, dict, bytes]]]:
    received: list[tuple[str, dict, bytes]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append((self.path, dict(self.headers.items()), body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "0"}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, received


def envelope_items(headers: dict, body: bytes) -> list[tuple[dict, dict]]:
    encoding = headers.get("Content-Encoding", "")
    if encoding == "gzip":
        body = gzip.decompress(body)
    elif encoding == "deflate":
        body = zlib.decompress(body)
    elif encoding == "br":
        import brotli  # only if the SDK chose it

        body = brotli.decompress(body)
    lines = body.split(b"\n")
    items = []
    for index in range(1, len(lines) - 1, 2):
        if lines[index].strip():
            items.append((json.loads(lines[index]), json.loads(lines[index + 1])))
    return items


def test_without_a_dsn_the_sdk_is_not_started():
    assert not settings.SENTRY_DSN
    assert not sentry_sdk.get_client().is_active()


def test_with_a_dsn_an_unhandled_view_error_reaches_the_ingest():
    server, received = ingest_server()
    try:
        dsn = f"http://publickey@127.0.0.1:{server.server_address[1]}/42"
        env = {
            **os.environ,
            "SENTRY_DSN": dsn,
            "SENTRY_ENVIRONMENT": "test-env",
            "DJANGO_SETTINGS_MODULE": "crm.settings",
        }
        env.pop("DATABASE_URL", None)  # the failing view needs no database
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=60
        )
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 0, done.stderr
    assert "status: 500" in done.stdout
    integrations = done.stdout.split("integrations:")[1].split()[0].split(",")
    assert {"django", "celery"} <= set(integrations)
    events = [
        payload
        for path, headers, body in received
        if path == "/api/42/envelope/"
        for item, payload in envelope_items(headers, body)
        if item.get("type") == "event"
    ]
    assert events, received
    exception = events[0]["exception"]["values"][-1]
    assert (exception["type"], exception["value"]) == ("RuntimeError", "sentry test: a view failed")
    assert events[0]["environment"] == "test-env"
    assert events[0]["transaction"] == "/boom-for-sentry", "the Django integration named the failing view's URL"
    assert "publickey" in received[0][1].get("X-Sentry-Auth", "")
