"""Helpers of the AI tests: a local OpenAI-compatible server, Meta-shaped inbound payloads, the FAQ fixture."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from typing import Any

from ai.models import KnowledgeEntry
from tests.meta_fixtures import messages_envelope

FIXTURES = Path(__file__).parent / "fixtures"
FAQ = json.loads((FIXTURES / "faq_es.json").read_text())


def recorded_completion(name: str) -> dict:
    """A chat completion body recorded from a model (tests/ai/fixtures/openai_<name>.json)."""
    return json.loads((FIXTURES / f"openai_{name}.json").read_text())


_wamids = count(1)


@dataclass
class FakeOpenAI:
    """POST /v1/chat/completions like OpenAI: `reply` in the JSON answer format the provider asks for (or
    `recorded`, a whole completion body as a model once sent it), or HTTP `status`, after `delay` seconds."""

    reply: str = "Respuesta del modelo."
    on_topic: bool = True
    handoff: bool = False
    recorded: dict | None = None
    status: int = 200
    delay: float = 0.0
    on_request: Any = None  # called (in the server thread) with the request body before answering
    requests: list[dict] = field(default_factory=list)
    headers: list[dict] = field(default_factory=list)
    url: str = ""

    def completion(self, body: dict) -> dict:
        if self.recorded is not None:
            return self.recorded
        content = json.dumps({"reply": self.reply, "on_topic": self.on_topic, "handoff": self.handoff})
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "gpt-4o-mini"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 45, "total_tokens": 366},
        }


def start_fake_openai(fake: FakeOpenAI) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            fake.requests.append(body)
            fake.headers.append({k.lower(): v for k, v in self.headers.items()})
            if self.path != "/v1/chat/completions":
                return self._send(404, {"error": {"message": "not found"}})
            if fake.on_request:
                fake.on_request(body)
            if fake.delay:
                time.sleep(fake.delay)
            if fake.status != 200:
                return self._send(fake.status, {"error": {"message": "boom", "type": "server_error"}})
            return self._send(200, fake.completion(body))

        def _send(self, status: int, payload: dict):
            data = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    return server


def load_faq(client) -> dict[str, KnowledgeEntry]:
    """The Spanish dental-clinic FAQ of the fixture, stored for `client`; entries by key."""
    return {
        e["key"]: KnowledgeEntry.objects.create(client=client, question=e["question"], answer=e["answer"])
        for e in FAQ["entries"]
    }


def inbound(number, *messages: dict, sender: str = "573001112233", name: str = "Ana") -> dict:
    """A Meta webhook with these `messages[]` objects from one customer (ids and timestamps filled in)."""
    now = str(int(time.time()))
    filled = [{"from": sender, "id": f"wamid.AI{next(_wamids):08d}", "timestamp": now, **m} for m in messages]
    return messages_envelope(number, filled, sender=sender, name=name)


def text(body: str) -> dict:
    return {"type": "text", "text": {"body": body}}
