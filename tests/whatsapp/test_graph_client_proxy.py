"""The Graph client honours the operator's proxy settings (HTTP(S)_PROXY, NO_PROXY), read from the environment
once per Graph host rather than on every call. Real sockets: a tiny HTTP proxy records what reaches it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from whatsapp.client import GraphClient


@pytest.fixture
def proxy():
    """An HTTP proxy that answers every request itself and records the request line (absolute URL)."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            body = json.dumps({"id": "1", "via": "proxy"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_calls_to_meta_go_through_the_configured_proxy(proxy, monkeypatch):
    url, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    client = GraphClient("t", base_url="http://graph.proxied.invalid", version="v26.0", timeout=5)
    assert client.request("GET", "me")["via"] == "proxy"
    assert seen == ["http://graph.proxied.invalid/v26.0/me"]


def test_a_host_in_no_proxy_is_called_directly(proxy, monkeypatch):
    """The proxy is never asked for a host NO_PROXY lists; here that host answers itself (the proxy server)."""
    url, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # a proxy that would refuse the connection
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    client = GraphClient("t", base_url=url, version="v26.0", timeout=5)
    assert client.request("GET", "me")["via"] == "proxy"
    assert seen == ["/v26.0/me"]  # a direct request: a path, not an absolute URL
