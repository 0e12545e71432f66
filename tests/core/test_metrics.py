"""GET /metrics in one process (no Redis: the process's own counts); the real processes are in
tests/integration/test_observability.py."""

from __future__ import annotations

import json
import re

import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from core import metrics
from tests.meta_fixtures import text_message

TOKEN = "t0ken"


@pytest.fixture
def counts(settings):
    settings.METRICS_TOKEN = TOKEN
    metrics.store().clear()
    yield
    metrics.store().clear()


def samples(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert response.status_code == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.content.decode())
        for s in family.samples
    }


def test_without_a_token_configured_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer anything")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_missing_and_wrong_tokens_are_refused_as_json(client, counts):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic dTpw").status_code == 401
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer t0ke")
    assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"


def test_a_webhook_answered_in_process_is_counted_and_timed(client, counts, post_webhook, number, sandbox_live):
    assert post_webhook(text_message(number, wamid="wamid.M1")).status_code == 200
    assert post_webhook(b"{}", signature="sha256=00").status_code == 403
    found = samples(client)
    assert found[("crm_webhook_requests_total", (("outcome", "accepted"),))] == 1
    assert found[("crm_webhook_requests_total", (("outcome", "invalid_signature"),))] == 1
    assert found[("crm_webhook_request_seconds_count", ())] == 2
    assert found[("crm_webhook_request_seconds_bucket", (("le", "+Inf"),))] == 2
    assert found[("crm_tasks_total", (("outcome", "success"), ("task", "whatsapp.answer_inbound_message")))] == 1


def test_histogram_buckets_are_cumulative(counts, client):
    metrics.WEBHOOK_SECONDS.observe(0.003)
    metrics.WEBHOOK_SECONDS.observe(0.2)
    metrics.WEBHOOK_SECONDS.observe(100)
    found = samples(client)
    bucket = {dict(k[1])["le"]: v for k, v in found.items() if k[0] == "crm_webhook_request_seconds_bucket"}
    assert (bucket["0.005"], bucket["0.1"], bucket["0.25"], bucket["60.0"], bucket["+Inf"]) == (1, 1, 2, 2, 3)
    assert found[("crm_webhook_request_seconds_sum", ())] == pytest.approx(100.203)


def test_wrong_labels_are_a_programming_error():
    with pytest.raises(ValueError):
        metrics.GRAPH_ERRORS.inc(status="500")


def test_the_sample_dashboard_names_only_metrics_we_export():
    dashboard = json.loads((settings.BASE_DIR / "docs" / "grafana-dashboard.json").read_text())
    exported = {m.name for m in metrics.METRICS} | {"crm_queue_length"}
    used = set()
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            used |= set(re.findall(r"\bcrm_[a-z_]+", target["expr"]))
    suffixes = ("_total", "_bucket", "_count", "_sum")
    bare = {next((n.removesuffix(s) for s in suffixes if n.endswith(s)), n) for n in used}
    assert bare <= exported, bare - exported
    assert {"crm_webhook_requests", "crm_queue_length", "crm_graph_errors", "crm_ai_provider_seconds"} <= bare


def test_graph_errors_are_counted_by_metas_code(counts, client, number, sandbox_live):
    from whatsapp.client import GraphClient
    from whatsapp.errors import GraphError

    fault = {"phone_number_id": number.phone_number_id, "fail_next": 2, "error_code": 131000}
    assert client.post("/sandbox/api/faults", fault, content_type="application/json").status_code in (200, 201)
    for _ in range(2):
        with pytest.raises(GraphError):
            GraphClient.for_number(number).get_phone_number(number.phone_number_id)
    with pytest.raises(GraphError):
        GraphClient("EAAG-never-issued").get_phone_number(number.phone_number_id)
    found = samples(client)
    assert found[("crm_graph_errors_total", (("code", "131000"),))] == 2
    assert found[("crm_graph_errors_total", (("code", "190"),))] == 1


def test_redis_counts_are_buffered_per_process_and_added_in_one_round_trip():
    """Observations cost a dict update; the flusher (or a scrape by this process) adds them to Redis."""
    import os

    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    redis.Redis.from_url(url).delete(f"{metrics.KEY_PREFIX}buffer_test")
    here = metrics._RedisStore(url, flush_seconds=3600)  # never on its own during the test
    elsewhere = metrics._RedisStore(url, flush_seconds=3600)
    key = f"{metrics.KEY_PREFIX}buffer_test"
    for _ in range(3):
        here.add([(key, '["a"]', 1), (key, '["b"]', 0.5)])
    assert elsewhere.read([key]) == [{}], "not in Redis before a flush"
    assert here.read([key]) == [{'["a"]': 3.0, '["b"]': 1.5}], "a process's scrape includes its own counts"
    assert elsewhere.read([key]) == [{'["a"]': 3.0, '["b"]': 1.5}]
    here.add([(key, '["a"]', 2)])
    here.flush()
    assert elsewhere.read([key]) == [{'["a"]': 5.0, '["b"]': 1.5}]
    redis.Redis.from_url(url).delete(key)
