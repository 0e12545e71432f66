"""A tiny threaded HTTP server standing in for an integrator's webhook receiver.

It records every request (headers and raw body) and answers with the next status of its script
(the last one repeats), so tests see exactly what went over the wire.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=lambda: [200])
    extra_headers: dict[str, str] = field(default_factory=dict)
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    host: str = "127.0.0.1"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.server.server_address[1]}/hooks/crm?src=test"

    def answer(self) -> int:
        index = min(len(self.requests) - 1, len(self.statuses) - 1)
        return self.statuses[index]


def start_receiver(statuses: list[int] | None = None, *, host: str = "127.0.0.1", **headers: str) -> Receiver:
    receiver = Receiver(statuses=statuses or [200], extra_headers=headers, host=host)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
            status = receiver.answer()
            payload = b'{"ok": true}' if status < 300 else b'{"error": "nope"}'
            self.send_response(status)
            if status in (301, 302, 307, 308):
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            for name, value in receiver.extra_headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        address_family = __import__("socket").AF_INET6 if ":" in host else __import__("socket").AF_INET

    receiver.server = Server((host, 0), Handler)
    threading.Thread(target=receiver.server.serve_forever, daemon=True, name="webhook-receiver").start()
    return receiver


def stop_receiver(receiver: Receiver) -> None:
    receiver.server.shutdown()
    receiver.server.server_close()
