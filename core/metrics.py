"""Prometheus metrics of every process, counted in Redis and served by web at GET /metrics.

Why Redis and not prometheus-client's PROMETHEUS_MULTIPROC_DIR: the multiprocess mode shares memory-mapped
files between the processes of one machine, so a scrape of web would never see the workers once they run on
other hosts (docs/operations.md, Scaling out), and each host would need an exporter of its own. Every
process of ours already shares one Redis, so each process adds its counts there once a second in one
pipelined round trip (HINCRBY on a hash per metric) and one scrape of any web instance reads the totals of
every gunicorn worker, Celery child and host. Without `REDIS_URL` (`make run` on its filesystem broker) the
counts stay in the process that made them. prometheus-client still writes the exposition format. Counting
never breaks the work it counts: a Redis error loses the observation, nothing else.

Gauges of state (the Celery queues' lengths) are read at scrape time instead of being counted.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.http import require_safe
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from core.exceptions import json_error

logger = logging.getLogger(__name__)

KEY_PREFIX = "crm:metrics:"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class _MemoryStore:
    """One process's counts (no Redis configured)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hashes: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def add(self, increments: list[tuple[str, str, float]]) -> None:
        with self._lock:
            for key, field, amount in increments:
                self._hashes[key][field] += amount

    def read(self, keys: list[str]) -> list[dict[str, float]]:
        with self._lock:
            return [dict(self._hashes.get(key, {})) for key in keys]

    def clear(self) -> None:
        with self._lock:
            self._hashes.clear()


class _RedisStore:
    """Counts buffered in the process and added to Redis's hashes by a background thread once a second
    (METRICS_FLUSH_SECONDS): a round trip per observation cost a busy worker a tenth of its time. A
    process that dies loses at most its last second of counts; one that forks starts its own buffer."""

    def __init__(self, url: str, *, flush_seconds: float = 1.0) -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.flush_seconds = flush_seconds
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, str], float] = defaultdict(float)
        self._pid = 0

    def add(self, increments: list[tuple[str, str, float]]) -> None:
        self._ensure_flusher()
        with self._lock:
            for key, field, amount in increments:
                self._pending[(key, field)] += amount

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, defaultdict(float)
        if not pending:
            return
        pipe = self.redis.pipeline(transaction=False)
        for (key, field), amount in pending.items():
            if float(amount).is_integer():
                pipe.hincrby(key, field, int(amount))
            else:
                pipe.hincrbyfloat(key, field, amount)
        pipe.execute()

    def _ensure_flusher(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pending = defaultdict(float)  # a forked child: the parent flushes what it counted
            self._pid = os.getpid()
            threading.Thread(target=self._flush_forever, name="metrics-flush", daemon=True).start()
            atexit.register(self._flush_quietly)

    def _flush_forever(self) -> None:
        pid = os.getpid()
        while pid == os.getpid():
            time.sleep(self.flush_seconds)
            self._flush_quietly()

    def _flush_quietly(self) -> None:
        try:
            self.flush()
        except Exception:
            logger.debug("metrics store unreachable; observations dropped", exc_info=True)

    def read(self, keys: list[str]) -> list[dict[str, float]]:
        self._flush_quietly()  # this process's own latest counts are part of the answer
        pipe = self.redis.pipeline(transaction=False)
        for key in keys:
            pipe.hgetall(key)
        return [{k.decode(): float(v) for k, v in found.items()} for found in pipe.execute()]

    def clear(self) -> None:
        with self._lock:
            self._pending = defaultdict(float)
        keys = list(self.redis.scan_iter(f"{KEY_PREFIX}*"))
        if keys:
            self.redis.delete(*keys)


_store: _MemoryStore | _RedisStore | None = None
_store_lock = threading.Lock()


def store() -> _MemoryStore | _RedisStore:
    global _store
    if _store is None:
        with _store_lock:
            if _store is None:
                redis_url, flush = settings.REDIS_URL, settings.METRICS_FLUSH_SECONDS
                _store = _RedisStore(redis_url, flush_seconds=flush) if redis_url else _MemoryStore()
    return _store


def _add(increments: list[tuple[str, str, float]]) -> None:
    try:
        store().add(increments)
    except Exception:
        logger.debug("metrics store unreachable; observation dropped", exc_info=True)


class _Metric:
    kind = ""

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = ()) -> None:
        self.name, self.documentation, self.labelnames = name, documentation, labelnames
        self.key = f"{KEY_PREFIX}{name}"
        METRICS.append(self)

    def _labels(self, labels: dict[str, Any]) -> str:
        if set(labels) != set(self.labelnames):
            raise ValueError(f"{self.name} takes the labels {self.labelnames}, not {tuple(labels)}")
        return json.dumps([str(labels[name]) for name in self.labelnames])


class Counter(_Metric):
    kind = "counter"

    def inc(self, amount: float = 1, **labels: Any) -> None:
        _add([(self.key, self._labels(labels), amount)])

    def family(self, found: dict[str, float]):
        family = CounterMetricFamily(self.name, self.documentation, labels=self.labelnames)
        for field, value in sorted(found.items()):
            family.add_metric(json.loads(field), value)
        return family


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, documentation: str, labelnames: tuple[str, ...] = (), buckets=LATENCY_BUCKETS):
        super().__init__(name, documentation, labelnames)
        self.buckets = tuple(buckets)

    def observe(self, seconds: float, **labels: Any) -> None:
        """Counted in the first bucket the value fits (cumulated when read), plus the sum and the count."""
        series = self._labels(labels)
        bucket = next((str(bound) for bound in self.buckets if seconds <= bound), "+Inf")
        _add([(self.key, f"{series}|{bucket}", 1), (self.key, f"{series}|sum", seconds)])

    @contextmanager
    def time(self, **labels: Any) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.observe(time.perf_counter() - started, **labels)

    def family(self, found: dict[str, float]):
        family = HistogramMetricFamily(self.name, self.documentation, labels=self.labelnames)
        per_series: dict[str, dict[str, float]] = defaultdict(dict)
        for field, value in found.items():
            series, _, part = field.rpartition("|")
            per_series[series][part] = value
        for series, parts in sorted(per_series.items()):
            running, cumulative = 0.0, []
            for bound in (*[str(b) for b in self.buckets], "+Inf"):
                running += parts.get(bound, 0)
                cumulative.append((bound, running))
            family.add_metric(json.loads(series), cumulative, sum_value=parts.get("sum", 0.0))
        return family


METRICS: list[_Metric] = []

# -- the catalog (docs/operations.md#metrics) ------------------------------------------------------------
WEBHOOK_REQUESTS = Counter(
    "crm_webhook_requests", "Meta's webhook deliveries received, by outcome", ("outcome",)
)  # accepted, invalid_signature, malformed_json
WEBHOOK_SECONDS = Histogram("crm_webhook_request_seconds", "Time taken to answer a Meta webhook delivery")
OUTGOING_WEBHOOK_ATTEMPTS = Counter(
    "crm_outgoing_webhook_attempts",
    "Attempts to deliver integrators' webhooks, by event and outcome",
    ("event", "outcome"),
)
OUTGOING_WEBHOOK_SECONDS = Histogram(
    "crm_outgoing_webhook_attempt_seconds", "Latency of integrators' endpoints (attempts that got an answer)"
)
TASKS = Counter("crm_tasks", "Celery task runs, by task and outcome", ("task", "outcome"))  # success, failure, retry
TASK_SECONDS = Histogram("crm_task_seconds", "Celery task run time", ("task",))
GRAPH_ERRORS = Counter("crm_graph_errors", "Failed Graph API calls, by Meta's error code", ("code",))
MESSAGES_SENT = Counter(
    "crm_messages_sent", "Messages Meta accepted, per number and kind", ("phone_number_id", "kind")
)  # service, template
AI_SECONDS = Histogram("crm_ai_provider_seconds", "Time an AI provider took to answer", ("provider",))
AI_ERRORS = Counter("crm_ai_provider_errors", "AI provider failures (answered offline instead)", ("provider", "error"))


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue: on Redis, a list named after the queue; {} without Redis.

    The broker is the same Redis (`REDIS_URL`), so the metrics connection reads it."""
    from celery import current_app

    current = store()
    if not isinstance(current, _RedisStore):
        return {}
    names = sorted({q.name for q in (current_app.conf.task_queues or [])} or {current_app.conf.task_default_queue})
    pipe = current.redis.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
    return dict(zip(names, (int(n) for n in pipe.execute()), strict=True))


class _Collector:
    def collect(self):
        found = store().read([metric.key for metric in METRICS])
        for metric, values in zip(METRICS, found, strict=True):
            yield metric.family(values)
        depth = GaugeMetricFamily("crm_queue_length", "Tasks waiting in a Celery queue", labels=("queue",))
        try:
            for queue, length in queue_lengths().items():
                depth.add_metric([queue], length)
        except Exception:
            logger.warning("could not read the Celery queue lengths", exc_info=True)
        yield depth


def exposition() -> bytes:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Collector())
    return generate_latest(registry)


@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    """GET /metrics for Prometheus, with `Authorization: Bearer <METRICS_TOKEN>`.

    With no METRICS_TOKEN the endpoint does not exist (404): nothing is exposed by default. A missing
    token is 401 (with the challenge), a wrong one 403; both JSON like every other refusal.
    """
    expected = settings.METRICS_TOKEN
    if not expected:
        return json_error("not_found", "Not found.", 404)
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given:
        response = json_error("unauthorized", "Send Authorization: Bearer <METRICS_TOKEN>.", 401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    if not constant_time_compare(given.strip(), expected):
        return json_error("forbidden", "Invalid metrics token.", 403)
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)


def connect_celery_signals() -> None:
    """Count every task run by outcome and time it (in the worker, and in the caller for eager runs)."""
    from celery import signals

    started: dict[str, float] = {}

    @signals.task_prerun.connect(weak=False)
    def _prerun(task_id: str | None = None, **_: Any) -> None:
        started[task_id or ""] = time.perf_counter()

    @signals.task_postrun.connect(weak=False)
    def _postrun(task_id: str | None = None, task=None, **_: Any) -> None:
        began = started.pop(task_id or "", None)
        if began is not None:
            TASK_SECONDS.observe(time.perf_counter() - began, task=getattr(task, "name", "?"))

    @signals.task_success.connect(weak=False)
    def _success(sender=None, **_: Any) -> None:
        TASKS.inc(task=getattr(sender, "name", "?"), outcome="success")

    @signals.task_failure.connect(weak=False)
    def _failure(sender=None, **_: Any) -> None:
        TASKS.inc(task=getattr(sender, "name", "?"), outcome="failure")

    @signals.task_retry.connect(weak=False)
    def _retry(sender=None, **_: Any) -> None:
        TASKS.inc(task=getattr(sender, "name", "?"), outcome="retry")
