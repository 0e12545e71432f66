"""Logs and metrics of the product as it runs in production: gunicorn (two workers) and a prefork Celery worker.

A signed webhook goes to gunicorn with an `X-Request-ID`; the worker stores the message and answers it
through the sandbox. The JSON log lines of both processes carry the request id, client, number, wamid and
task id, and the Prometheus endpoint (served by one of gunicorn's workers) counts what every process did.
"""

from __future__ import annotations

import json
import time

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from crm import processes
from integrations.services import endpoint_create
from tests.factories import connected_number
from tests.integrations.receiver import start_receiver, stop_receiver
from tests.meta_fixtures import text_message
from tests.support import wait_for
from whatsapp.models import Message
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

METRICS_TOKEN = "metrics-test-token"


@pytest.fixture
def stack_env() -> dict[str, str]:
    # An OpenAI-compatible server that is down: the reply falls back offline and the failure is counted.
    dead_ai = f"http://127.0.0.1:{processes.free_port()}/v1"
    return {
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "METRICS_TOKEN": METRICS_TOKEN,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": dead_ai,
        "OPENAI_MAX_RETRIES": "0",
    }


@pytest.fixture
def stack_worker() -> dict:
    """Celery's prefork pool: the worker's children are processes of their own, each counting into Redis."""
    return {"pool": "prefork", "concurrency": 2}


def json_lines(path) -> list[dict]:
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            lines.append(json.loads(line))
    return lines


def post_signed(base: str, payload: dict, **headers: str) -> requests.Response:
    body = json.dumps(payload).encode()
    return requests.post(
        f"{base}/webhook/whatsapp",
        data=body,
        timeout=10,
        headers={"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body), **headers},
    )


def customer_writes(base: str, number, wamid: str, **headers: str) -> requests.Response:
    payload = text_message(number, wamid=wamid, text="Hola, ¿abren hoy?", ts=str(int(time.time())))
    response = post_signed(base, payload, **headers)
    assert response.status_code == 200
    reply = wait_for(
        lambda: Message.objects.filter(direction="out", reply_to__wamid=wamid, wamid__isnull=False).first(),
        timeout=30,
    )
    assert reply is not None, "the worker answered through the sandbox"
    return response


def test_json_logs_follow_one_request_from_the_webhook_to_the_reply(stack, stack_logs):
    number = connected_number()
    response = customer_writes(stack, number, "wamid.LOG1", **{"X-Request-ID": "req-abc-123"})
    assert response.headers["X-Request-ID"] == "req-abc-123", "the caller's id is echoed"
    reply = Message.objects.get(direction="out", reply_to__wamid="wamid.LOG1")

    web = json_lines(stack_logs["web"])
    stored = [line for line in web if line["message"].startswith("webhook delivery ")]
    assert stored and stored[0]["request_id"] == "req-abc-123"
    assert {"time", "level", "logger"} <= stored[0].keys() and stored[0]["level"] == "INFO"

    def worker_line(prefix: str) -> dict | None:
        found = [line for line in json_lines(stack_logs["worker"]) if line["message"].startswith(prefix)]
        return found[0] if found else None

    inbound = wait_for(lambda: worker_line("customer message "), timeout=10)
    assert inbound is not None, stack_logs["worker"].read_text()
    assert inbound["request_id"] == "req-abc-123", "carried from the request to the worker in the task's headers"
    assert inbound["client_id"] == str(number.client_id)
    assert inbound["phone_number_id"] == number.phone_number_id
    assert inbound["wamid"] == "wamid.LOG1"
    assert inbound["task_name"] == "whatsapp.apply_webhook_events" and inbound["task_id"]

    sent = wait_for(lambda: worker_line(f"message {reply.pk} sent"), timeout=10)
    assert sent is not None, stack_logs["worker"].read_text()
    assert sent["wamid"] == reply.wamid
    assert sent["request_id"] == "req-abc-123", "the reply task was queued by the apply task: same request id"
    assert sent["task_name"] == "whatsapp.answer_inbound_message"
    assert sent["task_id"] != inbound["task_id"]
    assert (sent["client_id"], sent["phone_number_id"]) == (str(number.client_id), number.phone_number_id)


def test_a_request_without_a_sane_id_gets_a_new_one(stack):
    mine = requests.get(f"{stack}/healthz", timeout=5)
    assert len(mine.headers["X-Request-ID"]) == 32
    forged = requests.get(f"{stack}/healthz", headers={"X-Request-ID": "bad id\twith spaces"}, timeout=5)
    assert forged.headers["X-Request-ID"] != "bad id\twith spaces"
    assert len(forged.headers["X-Request-ID"]) == 32


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    """Every sample of GET /metrics as {(name, sorted labels): value}."""
    response = requests.get(f"{base}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_metrics_count_what_web_and_worker_did(stack):
    number = connected_number()
    receiver = start_receiver([200])
    try:
        endpoint_create(client=number.client, url=receiver.url, events=["message.received"])
        before = scrape(stack)
        # Meta throttles the number's next Graph call (the read receipt): counted by its code.
        fault = {"phone_number_id": number.phone_number_id, "fail_next": 1, "error_code": 130429}
        assert requests.post(f"{stack}/sandbox/api/faults", json=fault, timeout=5).status_code in (200, 201)
        assert post_signed(stack, {"object": "x"}, **{"X-Hub-Signature-256": "sha256=00"}).status_code == 403
        customer_writes(stack, number, "wamid.METRICS1")
        assert wait_for(lambda: receiver.requests, timeout=20), "the integrator's endpoint got message.received"

        def missing(found: dict) -> list[str]:
            """The expectations `found` does not meet yet (each process adds its counts once a second)."""

            def moved(name: str, **labels: str) -> float:
                key = (name, tuple(sorted(labels.items())))
                return found.get(key, 0) - before.get(key, 0)

            checks = {
                "accepted webhook": moved("crm_webhook_requests_total", outcome="accepted") >= 1,
                "refused signature": moved("crm_webhook_requests_total", outcome="invalid_signature") == 1,
                "webhook latency": moved("crm_webhook_request_seconds_count") >= 2,
                "latency +Inf bucket": moved("crm_webhook_request_seconds_bucket", le="+Inf")
                == moved("crm_webhook_request_seconds_count"),
                "apply task": moved("crm_tasks_total", task="whatsapp.apply_webhook_events", outcome="success") >= 1,
                "reply task": moved("crm_tasks_total", task="whatsapp.answer_inbound_message", outcome="success") == 1,
                "reply task time": moved("crm_task_seconds_count", task="whatsapp.answer_inbound_message") == 1,
                "sent": moved("crm_messages_sent_total", phone_number_id=number.phone_number_id, kind="service") == 1,
                "graph error": moved("crm_graph_errors_total", code="130429") == 1,
                "ai latency": moved("crm_ai_provider_seconds_count", provider="openai") >= 1,
                "ai error": moved("crm_ai_provider_errors_total", provider="openai", error="ProviderError") >= 1,
                "integrator attempt": moved(
                    "crm_outgoing_webhook_attempts_total", event="message.received", outcome="succeeded"
                )
                == 1,
                "integrator latency": moved("crm_outgoing_webhook_attempt_seconds_count") == 1,
            }
            return [name for name, ok in checks.items() if not ok]

        after = wait_for(lambda: (found := scrape(stack)) and not missing(found) and found, timeout=20)
    finally:
        stop_receiver(receiver)
    assert after, f"not reached by the scrape served by gunicorn: {missing(scrape(stack))}"
    assert ("crm_queue_length", (("queue", "celery"),)) in after
    # gunicorn runs two workers: whichever answers, the totals are the same (they live in Redis).
    again = {k: v for k, v in scrape(stack).items() if k[0] == "crm_messages_sent_total"}
    assert again == {k: v for k, v in after.items() if k[0] == "crm_messages_sent_total"}


def test_metrics_need_the_bearer_token(stack):
    missing = requests.get(f"{stack}/metrics", timeout=5)
    assert missing.status_code == 401 and missing.json()["error"]["code"] == "unauthorized"
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    wrong = requests.get(f"{stack}/metrics", headers={"Authorization": "Bearer nope"}, timeout=5)
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
