"""Scale-out shown, not claimed: two Celery workers, each in a network namespace of its own (its own address on a
veth pair to this host, like two worker machines), consume from one Redis and one PostgreSQL on the host, with
web (gunicorn and the sandbox as the Graph API) on the host. Two workers carry clearly more sends per second
than one, and no message is sent twice.

The load is agents' messages sent through the API; the sandbox answers every Graph call after 400 ms, as a
real Meta round trip may take. Each worker runs one task at a time, so a worker's rate is set by that latency,
not by this machine's busy cores, and the comparison is between two phases of the same run.

PostgreSQL and Redis listen on 127.0.0.1 only; `tests/integration/tcp_relay.py` listens on the host end of each
veth pair and forwards, as a network between machines would. Where network namespaces cannot be made (not
root, no `ip`), the same test runs the two workers as plain processes on this host.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from crm import processes
from sandbox.models import SandboxMessage
from sandbox.services import open_window
from tenants.authentication import create_api_key
from tests.factories import connected_number
from tests.support import wait_for
from tests.whatsapp.api_support import open_conversation
from whatsapp.models import Message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SENDS_PER_PHASE = 16
GRAPH_LATENCY_MS = 400


@dataclass
class WorkerHosts:
    """Where each worker runs: a namespace and the host address it reaches the services at."""

    namespaces: list[str] = field(default_factory=list)
    host_addresses: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    why_not: str = ""

    @property
    def isolated(self) -> bool:
        return bool(self.namespaces)

    def command(self, index: int, command: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.namespaces[index], *command] if self.isolated else command


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


def make_worker_hosts(count: int) -> WorkerHosts:
    """`count` network namespaces, each joined to this host by a veth pair with a /30 of its own."""
    hosts = WorkerHosts()
    if shutil.which("ip") is None or os.geteuid() != 0:
        hosts.why_not = "network namespaces need root and iproute2's `ip`"
        hosts.host_addresses = ["127.0.0.1"] * count
        return hosts
    tag, octet = os.getpid() % 10000, 100 + os.getpid() % 100
    try:
        for index in range(1, count + 1):
            namespace, host_end, worker_end = f"crmw{index}-{tag}", f"cw{index}h{tag}", f"cw{index}n{tag}"
            host_address, worker_address = f"10.{octet}.{index}.1", f"10.{octet}.{index}.2"
            _ip("netns", "add", namespace)
            hosts.namespaces.append(namespace)
            _ip("link", "add", host_end, "type", "veth", "peer", "name", worker_end)
            hosts.links.append(host_end)
            _ip("link", "set", worker_end, "netns", namespace)
            _ip("addr", "add", f"{host_address}/30", "dev", host_end)
            _ip("link", "set", host_end, "up")
            _ip("netns", "exec", namespace, "ip", "addr", "add", f"{worker_address}/30", "dev", worker_end)
            _ip("netns", "exec", namespace, "ip", "link", "set", worker_end, "up")
            _ip("netns", "exec", namespace, "ip", "link", "set", "lo", "up")
            hosts.host_addresses.append(host_address)
    except (subprocess.CalledProcessError, OSError) as error:
        remove_worker_hosts(hosts)
        stderr = getattr(error, "stderr", b"") or b""
        return WorkerHosts(host_addresses=["127.0.0.1"] * count, why_not=f"ip netns failed: {stderr.decode()}")
    return hosts


def remove_worker_hosts(hosts: WorkerHosts) -> None:
    for link in hosts.links:  # deleting one end deletes the pair
        subprocess.run(["ip", "link", "del", link], capture_output=True, timeout=10)
    for namespace in hosts.namespaces:
        subprocess.run(["ip", "netns", "del", namespace], capture_output=True, timeout=10)
    hosts.namespaces, hosts.links = [], []


def _send_all(base: str, api_key: str, conversations) -> None:
    for conversation in conversations:
        response = requests.post(
            f"{base}/api/v1/conversations/{conversation.pk}/messages",
            json={"text": f"Su pedido {conversation.pk} está listo"},
            headers={"Authorization": f"Api-Key {api_key}"},
            timeout=30,
        )
        assert response.status_code == 202, response.text


def _sends_per_second(conversations) -> float:
    """The rate at which the workers got Meta's answers: (n - 1) sends over the first to last `sent_at`."""
    messages = Message.objects.filter(conversation__in=conversations, direction="out")
    done = wait_for(lambda: messages.filter(wamid__isnull=False).count() == len(conversations), timeout=40)
    assert done, list(messages.values_list("status", "error_code"))
    times = sorted(messages.values_list("sent_at", flat=True))
    return (len(times) - 1) / (times[-1] - times[0]).total_seconds()


def _succeeded(log: Path) -> int:
    """Sends this worker finished, from its log (Celery prints one line per task that succeeded)."""
    return len(re.findall(r"Task whatsapp\.send_outbound_message\[[^\]]+\] succeeded", log.read_text()))


def test_two_workers_in_their_own_network_namespaces_send_about_twice_as_fast_as_one(tmp_path):
    db = connection.settings_dict
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    redis.Redis.from_url(redis_url).flushdb()
    redis_db = redis_url.rsplit("/", 1)[-1]
    number = connected_number()
    conversations = [open_conversation(number) for _ in range(2 * SENDS_PER_PHASE)]
    for conversation in conversations:  # the sandbox's side of each customer's 24-hour window
        open_window(phone_number_id=number.phone_number_id, wa_id=conversation.contact.wa_id)
    _, api_key = create_api_key(client=number.client, name="scale-out")

    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    common = {
        **os.environ,
        "CACHE_URL": "",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "SANDBOX_STATUS_WEBHOOKS": "false",
        "SECRET_KEY": settings.SECRET_KEY,
        "FIELD_ENCRYPTION_KEY": ",".join(settings.FIELD_ENCRYPTION_KEY),
        "PYTHONUNBUFFERED": "1",
    }

    def env_at(host: str) -> dict[str, str]:
        """The same services, reached at `host` (the worker's view of the host)."""
        return {
            **common,
            "DATABASE_URL": f"postgres://{db['USER']}@{host}:{db['PORT'] or 5432}/{db['NAME']}",
            "REDIS_URL": f"redis://{host}:6379/{redis_db}",
            "WHATSAPP_GRAPH_URL": f"http://{host}:{port}/sandbox/graph",
            "WEBHOOK_URL": f"http://{host}:{port}/webhook/whatsapp",
        }

    running: list[subprocess.Popen] = []
    logs = {name: (tmp_path / f"{name}.log").open("w") for name in ("web", "relay", "worker1", "worker2")}
    hosts = make_worker_hosts(2)
    try:
        web = subprocess.Popen(
            processes.gunicorn_command(port, log_level="warning"),
            cwd=settings.BASE_DIR,
            env=env_at("127.0.0.1"),
            stdout=logs["web"],
            stderr=subprocess.STDOUT,
        )
        running.append(web)
        if hosts.isolated:
            pairs = [f"{h}:{p}=127.0.0.1:{p}" for h in hosts.host_addresses for p in (db["PORT"] or 5432, 6379, port)]
            relay = subprocess.Popen(
                [sys.executable, "-m", "tests.integration.tcp_relay", *pairs],
                cwd=settings.BASE_DIR,
                stdout=logs["relay"],
                stderr=subprocess.STDOUT,
            )
            running.append(relay)
            assert wait_for(lambda: "ready" in (tmp_path / "relay.log").read_text(), timeout=15)
        assert processes.wait_until_healthy(base), (tmp_path / "web.log").read_text()
        fault = requests.post(
            f"{base}/sandbox/api/faults",
            json={"fail_ratio": 1, "delay_ms": GRAPH_LATENCY_MS, "duration_s": 300},
            timeout=10,
        )
        assert fault.status_code in (200, 201), fault.text

        def start_worker(index: int) -> None:
            name = f"worker{index + 1}"
            command = [*processes.worker_command(concurrency=1), "--hostname", f"{name}@%h"]
            running.append(
                subprocess.Popen(
                    hosts.command(index, command),
                    cwd=settings.BASE_DIR,
                    env=env_at(hosts.host_addresses[index]),
                    stdout=logs[name],
                    stderr=subprocess.STDOUT,
                )
            )
            ready = wait_for(lambda: "ready." in (tmp_path / f"{name}.log").read_text(), timeout=40)
            assert ready, (tmp_path / f"{name}.log").read_text()

        start_worker(0)
        one = conversations[:SENDS_PER_PHASE]
        _send_all(base, api_key, one)
        one_rate = _sends_per_second(one)
        alone = _succeeded(tmp_path / "worker1.log")

        start_worker(1)
        two = conversations[SENDS_PER_PHASE:]
        _send_all(base, api_key, two)
        two_rate = _sends_per_second(two)

        mode = "network namespaces" if hosts.isolated else f"plain processes ({hosts.why_not})"
        print(f"scale-out, {mode}: one worker {one_rate:.2f} sends/s, two workers {two_rate:.2f} sends/s")
        assert two_rate > 1.5 * one_rate, f"{mode}: one worker {one_rate:.2f}/s, two {two_rate:.2f}/s"
        shares = (_succeeded(tmp_path / "worker1.log") - alone, _succeeded(tmp_path / "worker2.log"))
        assert alone == SENDS_PER_PHASE and sum(shares) == SENDS_PER_PHASE and min(shares) > 0, shares
    finally:
        processes.stop(running)
        remove_worker_hosts(hosts)
        for log in logs.values():
            log.close()

    # Nothing processed twice: one Graph send per message, each message sent in one attempt.
    outbound = Message.objects.filter(client=number.client, direction="out")
    assert outbound.count() == 2 * SENDS_PER_PHASE
    assert set(outbound.values_list("attempts", flat=True)) == {1}
    sandbox_sent = list(SandboxMessage.objects.filter(phone_number_id=number.phone_number_id, direction="out"))
    assert len(sandbox_sent) == 2 * SENDS_PER_PHASE
    assert {m.wamid for m in sandbox_sent} == set(outbound.values_list("wamid", flat=True))
    assert not subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.count(
        f"-{os.getpid() % 10000}"
    ), "the namespaces are gone"
