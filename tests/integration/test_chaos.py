"""The pipeline under failure: what Meta and the machine do to it on a bad day, and nothing is lost or doubled.

Real processes on the test database: gunicorn (webhook and the sandbox as Meta, which posts sent,
delivered and read back for every reply), two Celery workers, Celery beat running the sweeps every few
seconds, and a Redis server of the test's own so it can be restarted. While 1,000 customer messages
arrive across 20 numbers (5 % of them delivered two or three times, as Meta retries):
- the sandbox fails 20 % of sends with a transient error for 30 s;
- one worker is killed with SIGKILL;
- Redis is restarted, losing every queued task and every retry scheduled in it.
The workers run under a supervisor that starts a worker again a few seconds after it exits, as production's
does (docs/operations.md): the killed one, and any that Celery itself stops when it loses Redis.
Afterwards every customer message is stored once and answered exactly once, Meta saw one reply per
message, every reply came back `read`, usage counts each message once, and no delivery is left unapplied,
within 60 s of the load's end. The one exception is the product's rule for a send cut by the kill before
its request left (at most one per thread of the killed worker): never sent twice, left for people.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
import requests
from django.db.models import Count, Sum

from billing.models import UsagePeriod
from crm import processes
from sandbox.models import SandboxMessage
from tests.factories import KnowledgeEntryFactory, connected_number
from tests.meta_fixtures import text_message
from tests.support import process_env, start_process, wait_for
from whatsapp.models import Message, WebhookEvent
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NUMBERS = 20
MESSAGES = 1000
RATE = 10  # customer messages per second: under what this 2-core machine answers with the suite's load
REPEATED = 0.05  # share of deliveries Meta sends again
SETTLE_SECONDS = 60
RESTART_SECONDS = 4  # a supervisor's wait before starting an exited worker again (systemd's RestartSec)
SWEEPS = ("whatsapp.apply_stale_webhook_events", "whatsapp.answer_unanswered_inbound", "whatsapp.sweep_stale_sends")


class RedisServer:
    """A redis-server of the test's own, without persistence: a restart loses everything queued."""

    def __init__(self, port: int, log: Path) -> None:
        self.port, self.log = port, log
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=self.log.open("a"), stderr=subprocess.STDOUT)
        assert wait_for(self._answers, timeout=10), self.log.read_text()

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()

    def _answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url).ping()
        except redis.RedisError:
            return False


class Supervisor:
    """Starts a worker again RESTART_SECONDS after it exits, as Compose's `restart: unless-stopped` or systemd's
    `Restart=always` do in production.

    Not only for the worker the test kills: Celery 5.7 can stop a worker itself when Redis goes away with tasks
    still unacknowledged (its consumer re-closes the lost connection's channel and kombu raises an
    AttributeError it calls unrecoverable), and a supervisor is what brings that worker back in production too.
    """

    def __init__(self, start: Callable[[str], subprocess.Popen], names: list[str]) -> None:
        self.start = start
        self.running = {name: start(name) for name in names}
        self.restarts: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def kill(self, name: str) -> None:
        self.running[name].send_signal(signal.SIGKILL)

    def stop(self) -> list[subprocess.Popen]:
        self._stopping.set()
        self._thread.join()
        return list(self.running.values())

    def _watch(self) -> None:
        exited: dict[str, float] = {}
        while not self._stopping.wait(0.2):
            for name, process in self.running.items():
                if process.poll() is None:
                    continue
                exited.setdefault(name, time.monotonic())
                if time.monotonic() - exited[name] >= RESTART_SECONDS:
                    del exited[name]
                    self.running[name] = self.start(name)
                    self.restarts[name] += 1


def sweep_every(seconds: int) -> None:
    """Beat runs only the pipeline's sweeps, every few seconds (production: every minute)."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    PeriodicTask.objects.all().delete()
    every, _ = IntervalSchedule.objects.get_or_create(every=seconds, period=IntervalSchedule.SECONDS)
    for task in SWEEPS:
        PeriodicTask.objects.create(name=task, task=task, interval=every, enabled=True)


def deliveries(numbers) -> list[tuple[float, str, bytes]]:
    """(seconds after the start, wamid, signed body): each message once at its time, 5 % again later."""
    now = int(time.time())
    schedule = []
    for i in range(MESSAGES):
        number = numbers[i % NUMBERS]
        wamid = f"wamid.CHAOS{i:05d}"
        payload = text_message(number, wamid=wamid, text="¿Hacen domicilios?", sender=f"57320{i:07d}", ts=str(now))
        at = i / RATE
        schedule.append((at, wamid, payload))
    chosen = random.Random(7).sample(range(MESSAGES), int(MESSAGES * REPEATED))
    for n, i in enumerate(chosen):
        at, wamid, payload = schedule[i]
        for again in range(1 + n % 2):  # two or three deliveries in all
            schedule.append((at + 0.2 + 4 * again + (n % 5), wamid, payload))
    return sorted((at, wamid, json.dumps(payload).encode()) for at, wamid, payload in schedule)


def post_all(url: str, schedule, start: float, errors: list) -> None:
    session = threading.local()

    def post(item) -> None:
        at, _, body = item
        time.sleep(max(start + at - time.time(), 0))
        if not hasattr(session, "http"):
            session.http = requests.Session()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)}
        for _attempt in range(5):  # Meta retries a delivery that was not acknowledged
            try:
                if session.http.post(url, data=body, headers=headers, timeout=30).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(1)
        errors.append(item[1])

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(post, schedule))


def test_nothing_is_lost_or_doubled_through_faults_a_killed_worker_and_a_redis_restart(transactional_db, tmp_path):
    assert shutil.which("redis-server"), "the chaos run starts a redis-server of its own"
    numbers = [connected_number() for _ in range(NUMBERS)]
    for number in numbers:
        KnowledgeEntryFactory(client=number.client, question="¿Hacen domicilios?", answer="Sí, en todo el barrio.")
    sweep_every(3)
    broker = RedisServer(processes.free_port(), tmp_path / "redis.log")
    broker.start()
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = process_env(
        base_url=base,
        redis_url=broker.url,
        AI_REPLY_QUIET_SECONDS="0",
        WHATSAPP_SENDS_PER_SECOND="80",
        WHATSAPP_RETRY_BACKOFF_MAX="8",
        WEBHOOK_APPLY_GRACE_SECONDS="5",
        WHATSAPP_ANSWER_GRACE_SECONDS="15",
        WHATSAPP_PENDING_SEND_GRACE_SECONDS="10",
        CELERY_VISIBILITY_TIMEOUT="20",
    )
    logs = {name: (tmp_path / f"{name}.log").open("a") for name in ("web", "worker-a", "worker-b", "beat")}

    def start(name: str, command: list[str]) -> subprocess.Popen:
        return start_process(command, env=env, log=logs[name])

    def worker(name: str) -> subprocess.Popen:
        return start(name, [*processes.worker_command(loglevel="WARNING"), "--hostname", f"{name}@chaos"])

    running = {
        "web": start("web", processes.gunicorn_command(port, workers=2, threads=8)),
        "beat": start("beat", processes.beat_command(schedule_file=str(tmp_path / "beat"), loglevel="WARNING")),
    }
    workers = Supervisor(worker, ["worker-a", "worker-b"])
    try:
        assert processes.wait_until_healthy(base), (tmp_path / "web.log").read_text()
        time.sleep(3)  # the workers connect
        flaky = requests.post(
            f"{base}/sandbox/api/faults",
            json={"fail_ratio": 0.2, "duration_s": 30, "error_code": 131000},
            timeout=10,
        )
        assert flaky.status_code == 201, flaky.text
        schedule = deliveries(numbers)
        errors: list[str] = []
        start_at = time.time()
        load = threading.Thread(target=post_all, args=(f"{base}/webhook/whatsapp", schedule, start_at, errors))
        load.start()

        time.sleep(max(start_at + 10 - time.time(), 0))
        workers.kill("worker-b")  # mid-run: whatever it had taken is unacknowledged; its supervisor restarts it

        time.sleep(max(start_at + 22 - time.time(), 0))
        broker.stop()  # every queued task, scheduled retry and pace counter is gone
        time.sleep(1)
        broker.start()

        load.join()
        load_done = time.time()
        unique = {wamid for _, wamid, _ in schedule}
        assert not errors, f"{len(errors)} deliveries never acknowledged"

        def settled() -> bool:
            replies = Message.objects.filter(direction="out", reply_to__wamid__startswith="wamid.CHAOS")
            return (
                replies.filter(status="read").count() + len(interrupted()) == len(unique)
                and not WebhookEvent.objects.filter(outcome="received").exists()
            )

        assert wait_for(settled, timeout=SETTLE_SECONDS, interval=1), progress(unique, tmp_path)
        settle_seconds = time.time() - load_done
    finally:
        processes.stop([*running.values(), *workers.stop()])
        broker.stop()
        for log in logs.values():
            log.close()

    inbound = Message.objects.filter(direction="in", wamid__startswith="wamid.CHAOS")
    assert inbound.count() == len(unique) == MESSAGES, "each message stored once, repeats merged"
    per_message = Counter(
        Message.objects.filter(direction="out", reply_to__in=inbound).values_list("reply_to_id", flat=True)
    )
    assert len(per_message) == MESSAGES and set(per_message.values()) == {1}, "answered exactly once"
    # A worker killed between claiming a reply and writing its request leaves it `sending` with Meta never
    # told: it may not be sent again (had the request left, a second send would reach the customer twice),
    # so it waits for people as `send_interrupted`. At most the killed worker's two threads' worth.
    stuck = interrupted()
    assert len(stuck) <= 2, f"{len(stuck)} replies interrupted by one SIGKILL"
    to_meta = SandboxMessage.objects.filter(direction="out").values("wa_id").annotate(n=Count("id"))
    assert len(to_meta) == MESSAGES - len(stuck), "Meta saw a reply for every message whose send was not cut"
    assert {row["n"] for row in to_meta} == {1}, "and never two"
    usage = UsagePeriod.objects.filter(number__in=numbers).aggregate(
        inbound=Sum("inbound_messages"), service=Sum("service_messages"), ai=Sum("ai_replies")
    )
    accepted = MESSAGES - len(stuck)
    assert usage == {"inbound": MESSAGES, "service": accepted, "ai": accepted}, "usage counts each message once"
    assert workers.restarts["worker-b"] >= 1, "the killed worker was started again"
    print(
        f"chaos run: {len(schedule)} deliveries, {MESSAGES} messages, settled {settle_seconds:.0f} s after the load, "
        f"workers restarted {dict(workers.restarts)}"
    )


def interrupted() -> list[int]:
    """Replies left `sending` whose request never reached Meta (the sandbox has no message to that customer)."""
    sending = Message.objects.filter(direction="out", status="sending", reply_to__wamid__startswith="wamid.CHAOS")
    told = set(SandboxMessage.objects.filter(direction="out").values_list("wa_id", flat=True))
    return [pk for pk, wa_id in sending.values_list("pk", "conversation__contact__wa_id") if wa_id not in told]


def progress(unique: set[str], tmp_path: Path) -> str:
    """What was left when the run did not settle, with the ends of the process logs."""
    replies = Message.objects.filter(direction="out", reply_to__wamid__startswith="wamid.CHAOS")
    states = Counter(replies.values_list("status", flat=True))
    stored = Message.objects.filter(direction="in", wamid__startswith="wamid.CHAOS").count()
    pending = WebhookEvent.objects.filter(outcome="received").count()
    unanswered = Message.objects.filter(direction="in", wamid__startswith="wamid.CHAOS").exclude(
        pk__in=replies.values("reply_to_id")
    )
    owners = Counter(unanswered.values_list("conversation__owner", flat=True))
    last = replies.order_by("-created_at").values_list("created_at", flat=True).first()
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-1500:]}" for log in sorted(tmp_path.glob("*.log")))
    return (
        f"{stored}/{len(unique)} stored, replies by status {dict(states)}, {pending} deliveries unapplied, "
        f"unanswered by conversation owner {dict(owners)}, last reply written {last}\n{tails}"
    )
