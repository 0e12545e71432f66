"""A lean stand-in for Meta's Graph API, for throughput benchmarks: what the product calls, answered cheaply.

The sandbox (`sandbox/`) is the faithful Meta the tests and `make run` use; it is a Django app with its own
tables, and on a 2-core machine it spends about as much CPU per message as the product itself, which caps
what a benchmark can show. This stand-in speaks the same protocol for the one endpoint the answer loop
uses, in the standard library only:

- `POST /{version}/{phone-number-id}/messages`: a send is accepted with a new wamid, and Meta's three status
  webhooks (sent with its pricing block, delivered, read) are posted back to `--webhook`, signed with the
  app secret, 0.2, 0.5 and 1 s later; a read receipt (`"status": "read"`) is answered `{"success": true}`;
- anything else: 404 with a Graph-shaped error.

    python bench/meta_standin.py --port 8100 --webhook http://127.0.0.1:8000/webhook/whatsapp --secret s
"""

from __future__ import annotations

import argparse
import hashlib
import heapq
import hmac
import http.client
import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from queue import Queue

STATUS_DELAYS = (("sent", 0.2), ("delivered", 0.5), ("read", 1.0))


class StatusPoster:
    """Posts each status webhook when it is due, from a few threads, one new connection per post (as the
    sandbox does; Meta's servers are not known to keep connections to a webhook open)."""

    def __init__(self, webhook: str, secret: str, *, threads: int = 4) -> None:
        self.url = urllib.parse.urlsplit(webhook)
        self.secret = secret.encode()
        self.due: list[tuple[float, int, bytes]] = []
        self.lock = threading.Condition()
        self.ready: Queue[bytes] = Queue()
        self.order = itertools.count()
        threading.Thread(target=self._schedule, daemon=True).start()
        for _ in range(threads):
            threading.Thread(target=self._post_forever, daemon=True).start()

    def later(self, delay: float, body: bytes) -> None:
        with self.lock:
            heapq.heappush(self.due, (time.monotonic() + delay, next(self.order), body))
            self.lock.notify()

    def _schedule(self) -> None:
        while True:
            with self.lock:
                while not self.due or self.due[0][0] > time.monotonic():
                    self.lock.wait(timeout=(self.due[0][0] - time.monotonic()) if self.due else None)
                _, _, body = heapq.heappop(self.due)
            self.ready.put(body)

    def _post_forever(self) -> None:
        while True:
            body = self.ready.get()
            signature = "sha256=" + hmac.new(self.secret, body, hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
            for _ in range(3):  # like Meta, try again a little later when the webhook fails
                try:
                    connection = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=10)
                    connection.request("POST", self.url.path, body=body, headers=headers)
                    status = connection.getresponse().status
                    connection.close()
                    if status == 200:
                        break
                except OSError:
                    pass
                time.sleep(1)


def status_body(*, phone_number_id: str, wamid: str, to: str, status: str, callback: str | None) -> bytes:
    item: dict = {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": to}
    if callback:
        item["biz_opaque_callback_data"] = callback
    if status in ("sent", "delivered"):
        item["pricing"] = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service",
                           "category": "service"}  # fmt: skip
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": phone_number_id, "phone_number_id": phone_number_id},
        "contacts": [{"wa_id": to, "profile": {"name": ""}}],
        "statuses": [item],
    }
    entry = {"id": "standin-waba", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def handler(poster: StatusPoster) -> type[BaseHTTPRequestHandler]:
    counter = itertools.count(1)

    class Graph(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the product's Graph client reuses its connections
        # One write per answer, sent at once: headers and body written apart on a Nagle socket wait for the
        # client's delayed ACK, 40 ms a call, which would be this stand-in's delay, not the product's.
        wbufsize = 1 << 16
        disable_nagle_algorithm = True

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            parts = self.path.strip("/").split("/")
            if len(parts) != 3 or parts[2] != "messages":
                return self._answer(404, {"error": {"message": "Unknown path", "type": "OAuthException", "code": 100}})
            try:
                call = json.loads(body)
            except ValueError:
                return self._answer(400, {"error": {"message": "Invalid JSON", "code": 100}})
            if call.get("status") == "read":
                return self._answer(200, {"success": True})
            phone_number_id, to = parts[1], str(call.get("to") or call.get("recipient") or "")
            wamid = f"wamid.STANDIN{next(counter):012d}"
            for status, delay in STATUS_DELAYS:
                poster.later(delay, status_body(phone_number_id=phone_number_id, wamid=wamid, to=to, status=status,
                                                callback=call.get("biz_opaque_callback_data")))  # fmt: skip
            self._answer(200, {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
                               "messages": [{"id": wamid}]})  # fmt: skip

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("healthz"):
                return self._answer(200, {"ok": True})
            self._answer(404, {"error": {"message": "Unknown path", "type": "OAuthException", "code": 100}})

        def _answer(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    return Graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--webhook", required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(StatusPoster(args.webhook, args.secret)))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
