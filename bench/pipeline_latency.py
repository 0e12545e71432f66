"""Inbound message → AI reply accepted by the Graph API: latency at a fixed arrival rate, on one number.

Starts the production processes on a fresh PostgreSQL database with Redis: gunicorn (web, webhook and the
sandbox standing in for Meta, which posts sent/delivered/read status webhooks back for every reply) and a
Celery worker, with the offline AI and no quiet period. Then it posts signed inbound webhooks open-loop at
`--rate` per second for `--seconds` (each from a new customer, so no burst merges two), and measures for
each message the time from its scheduled arrival to the moment Meta (the sandbox) accepted the reply
(`Message.sent_at`). Prints p50/p90/p99, how many were answered, and the backlog 5 s after the load.

    .venv/bin/python bench/pipeline_latency.py --rate 50 --seconds 20
    .venv/bin/python bench/pipeline_latency.py --rate 80 --seconds 20

Needs PostgreSQL and Redis (database crm_bench and Redis db 9 are wiped, or those --database and --redis
name). The product's web and worker run as in production (DEBUG off, no sandbox); Meta is played by
bench/meta_standin.py (or the sandbox, `--meta sandbox`) in a process of its own, so the CPU each side spends
per message is counted apart (`/proc`, user + system).

Two runs side by side, each with its own --database, --redis and a share of the rate, compare two checkouts
through the machine's changes of speed (both see the same), which one after the other do not:

    (cd ../base && .venv/bin/python bench/pipeline_latency.py --rate 40 --seconds 30 \
        --database crm_bench_base --redis redis://127.0.0.1:6379/11) &
    .venv/bin/python bench/pipeline_latency.py --rate 40 --seconds 30 --database crm_bench_now \
        --redis redis://127.0.0.1:6379/12
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

SECRET = "bench-app-secret"
PHONE_NUMBER_ID = "109000000000101"  # the demo café (seed_demo)
TEXT = "¿Hacen domicilios?"
WARM, WARM_FIRST = 30, 5_000_000  # warm-up messages, from customers of their own


def wamid(i: int, prefix: str = "PIPE") -> str:
    return f"wamid.{prefix}{i:08d}"


def inbound(i: int, prefix: str = "PIPE") -> bytes:
    sender = f"57310{i:07d}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "573005550101", "phone_number_id": PHONE_NUMBER_ID},
        "contacts": [{"profile": {"name": f"Cliente {i}"}, "wa_id": sender}],
        "messages": [
            {"from": sender, "id": wamid(i, prefix), "timestamp": str(int(time.time())), "type": "text",
             "text": {"body": TEXT}}
        ],
    }  # fmt: skip
    entry = {"id": "100000000000001", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def drive(
    url: str, rate: float, seconds: float, *, prefix: str = "PIPE", first: int = 0, posters: int = 16
) -> tuple[dict[str, float], int]:
    """Post open-loop: message i is due at start + i/rate whatever happened to the others.

    Meta's servers are not on the product's cores, but this load generator is, so it spends as little as it can:
    every body is built and signed before the clock starts, and `posters` threads each keep one connection
    open and post their share (message i goes to thread i mod posters) with http.client, not requests. A post
    that starts late still counts from its due time."""
    total = int(rate * seconds)
    target = urllib.parse.urlsplit(url)
    prepared = []
    for i in range(total):
        body = inbound(first + i, prefix)
        signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
        prepared.append((wamid(first + i, prefix), body, headers))
    due: dict[str, float] = {}
    errors = 0
    lock = threading.Lock()
    start = time.time() + 0.5

    def post_share(k: int) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        for i in range(k, total, posters):
            at = start + i / rate
            time.sleep(max(at - time.time(), 0))
            name, body, headers = prepared[i]
            try:
                connection.request("POST", target.path, body=body, headers=headers)
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()  # reconnects on the next request
                ok = False
            with lock:
                due[name] = at
                errors += not ok
        connection.close()

    threads = [threading.Thread(target=post_share, args=(k,)) for k in range(posters)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return due, errors


def cpu_seconds(roots: dict[str, list[int]], database: str) -> dict[str, float]:
    """CPU time (user + system) so far of each process tree (web, worker) and of PostgreSQL's backends serving
    `database`: counted per answered message it says what a message costs, whatever else shares the machine."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    usage: dict[int, float] = {}
    reaped: dict[int, float] = {}
    commands: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            commands[int(entry)] = Path(f"/proc/{entry}/cmdline").read_text().replace("\0", " ")
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        usage[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
        reaped[int(entry)] = (int(fields[13]) + int(fields[14])) / tick  # children that exited

    def tree(root: int) -> float:
        total, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            total += usage.get(pid, 0.0)
            stack.extend(child for child, parent in parents.items() if parent == pid)
        return total

    result = {name: sum(tree(pid) for pid in pids) for name, pids in roots.items()}
    # PostgreSQL's backends for the database (the product's, and the sandbox's when it plays Meta), plus the
    # backends that exited, which the postmaster reaped: any database's, so measure on a quiet server.
    live = sum(usage[pid] for pid, command in commands.items() if f" {database} " in command)
    postmaster = [pid for pid, command in commands.items() if "postgres -D" in command or "postmaster" in command]
    result["postgres"] = live + sum(reaped[pid] for pid in postmaster)
    return result


def open_windows(database_url: str, customers: list[tuple[int, str]]) -> None:
    """Meta knows every message a customer sends and opens a 24-hour window for it; these customers write
    straight to the webhook, so the sandbox is told beforehand (the product runs without the sandbox's
    in-process observer). Without the messages, every read receipt would be refused with a 400."""
    now = datetime.now(UTC)
    with psycopg.connect(database_url) as conn, conn.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO sandbox_sandboxconversation (phone_number_id, wa_id, last_inbound_at) VALUES (%s, %s, %s)",
            [(PHONE_NUMBER_ID, f"57310{i:07d}", now) for i, _ in customers],
        )
        cursor.executemany(
            "INSERT INTO sandbox_sandboxmessage (phone_number_id, direction, wa_id, type, text, body, wamid, status,"
            " created_at) VALUES (%s, 'in', %s, 'text', %s, '{}', %s, 'received', %s)",
            [(PHONE_NUMBER_ID, f"57310{i:07d}", TEXT, wamid(i, prefix), now) for i, prefix in customers],
        )


def statement_times(database_url: str, *, reset: bool = False) -> tuple[float, float] | None:
    """PostgreSQL's planning and execution time so far (ms) in this database's statements, from
    pg_stat_statements, or None where the server does not load it (`shared_preload_libraries`)."""
    try:
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            if reset:
                conn.execute("SELECT pg_stat_statements_reset()")
            return conn.execute(
                "SELECT coalesce(sum(total_plan_time), 0), coalesce(sum(total_exec_time), 0) FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ).fetchone()
    except psycopg.Error:
        return None


def replies_sent(database_url: str, prefix: str = "PIPE") -> dict[str, float]:
    """inbound wamid → when Meta (the sandbox) accepted the AI's reply to it."""
    return {wamid: stages[-1] for wamid, stages in stage_times(database_url, prefix).items()}


def stage_times(database_url: str, prefix: str = "PIPE") -> dict[str, tuple[float, float, float]]:
    """inbound wamid → (inbound stored, reply recorded, reply accepted by Meta), as epoch seconds."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            """SELECT i.wamid, i.created_at, o.created_at, o.sent_at
               FROM whatsapp_message o JOIN whatsapp_message i ON o.reply_to_id = i.id
               WHERE o.sent_at IS NOT NULL AND i.wamid LIKE %s""",
            [f"wamid.{prefix}%"],
        ).fetchall()
    return {wamid: (a.timestamp(), b.timestamp(), c.timestamp()) for wamid, a, b, c in rows}


def bench_settings(*, graph_url: str, webhook_url: str, database_url: str, redis_url: str) -> dict[str, str]:
    """The environment both sides of a pipeline benchmark share: Meta's and the product's, no quiet period."""
    return {
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_GRAPH_URL": graph_url,
        "WEBHOOK_URL": webhook_url,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "AI_REPLY_QUIET_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
        "FIELD_ENCRYPTION_KEY": "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
        "WHATSAPP_MASTER_TOKEN": "sandbox-master-token",
        "WHATSAPP_APP_ID": "sandbox-app",
        "WHATSAPP_VERIFY_TOKEN": "sandbox-verify-token",
        "WHATSAPP_BUSINESS_ACCOUNT_ID": "100000000000001",
    }


def warm_up(base: str, database_url: str) -> None:
    """Answer a few messages before measuring: the worker's children start, connect and build their caches
    (compiled reads, the knowledge index) on their first tasks, which is not what a message costs."""
    drive(f"{base}/webhook/whatsapp", 10, WARM / 10, prefix="WARM", first=WARM_FIRST)
    deadline = time.time() + 60
    while len(replies_sent(database_url, "WARM")) < WARM and time.time() < deadline:
        time.sleep(0.5)
    time.sleep(2)  # their status webhooks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--worker-concurrency", type=int, default=2, help="per worker process")
    parser.add_argument("--web-threads", type=int, default=8, help="per gunicorn worker (two workers)")
    parser.add_argument("--worker-pool", choices=("prefork", "threads", "solo"), default="prefork")
    parser.add_argument("--worker-processes", type=int, default=1, help="Celery worker processes started")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    parser.add_argument(
        "--database", default="crm_bench", help="dropped and created; two runs side by side need one each"
    )
    parser.add_argument(
        "--meta",
        choices=("lean", "sandbox"),
        default="lean",
        help="who plays Meta: bench/meta_standin.py (cheap, leaves the cores to the product) or the sandbox",
    )
    args = parser.parse_args()

    database_url = processes.recreate_postgres_database(args.pg, args.database)
    redis.Redis.from_url(args.redis).flushdb()
    port, meta_port = processes.free_port(), processes.free_port()
    base, meta = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{meta_port}"
    common = {
        **os.environ,
        **bench_settings(
            graph_url=f"{meta}/sandbox/graph" if args.meta == "sandbox" else meta,
            webhook_url=f"{base}/webhook/whatsapp",
            database_url=database_url,
            redis_url=args.redis,
        ),
        "WHATSAPP_SENDS_PER_SECOND": "80",  # Meta's per-number limit
    }
    # Meta: the sandbox in a gunicorn of its own (it needs DEBUG); its CPU is not the product's.
    meta_env = {**common, "DEBUG": "true", "WHATSAPP_SANDBOX": "true", "PORT": str(meta_port)}
    # The product as in production: DEBUG off, no sandbox, plain HTTP behind a TLS proxy that is not here.
    product_env = {**common, "DEBUG": "false", "WHATSAPP_SANDBOX": "false", "SECURE_SSL_REDIRECT": "false",
                   "PORT": str(port)}  # fmt: skip
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=meta_env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=meta_env, check=True, capture_output=True)
    total = int(args.rate * args.seconds)
    with psycopg.connect(database_url) as conn:  # the demo number's free allowance (1,000) would stop the run
        conn.execute("UPDATE tenants_whatsappnumber SET monthly_free_messages = 1000000")
    if args.meta == "sandbox":
        open_windows(
            database_url, [(i, "PIPE") for i in range(total)] + [(WARM_FIRST + i, "WARM") for i in range(WARM)]
        )
    with tempfile.TemporaryDirectory() as tmp:
        log = open(Path(tmp) / "worker.log", "w")  # noqa: SIM115 - closed with the processes
        web = subprocess.Popen(
            processes.gunicorn_command(port, workers=2, threads=args.web_threads), cwd=ROOT, env=product_env
        )
        if args.meta == "sandbox":
            graph = subprocess.Popen(
                processes.gunicorn_command(meta_port, workers=1, threads=8), cwd=ROOT, env=meta_env
            )
        else:
            standin = [sys.executable, "bench/meta_standin.py", "--port", str(meta_port), "--secret", SECRET,
                       "--webhook", f"{base}/webhook/whatsapp"]  # fmt: skip
            graph = subprocess.Popen(standin, cwd=ROOT)
        command = processes.worker_command(
            concurrency=args.worker_concurrency, pool=args.worker_pool, loglevel="WARNING"
        )
        workers = [
            subprocess.Popen([*command, "--hostname", f"bench{i}@%h"], cwd=ROOT, env=product_env, stdout=log,
                             stderr=subprocess.STDOUT)
            for i in range(args.worker_processes)
        ]  # fmt: skip
        roots = {"web": [web.pid], "worker": [w.pid for w in workers], "meta": [graph.pid]}
        try:
            if not (processes.wait_until_healthy(base) and processes.wait_until_healthy(meta)):
                raise SystemExit("gunicorn did not start")
            warm_up(base, database_url)
            cpu_before = cpu_seconds(roots, args.database)
            statements_before = statement_times(database_url, reset=True)
            load_cpu = time.process_time()
            due, errors = drive(f"{base}/webhook/whatsapp", args.rate, args.seconds)
            load_cpu = time.process_time() - load_cpu  # this process posting the inbound messages
            load_end = max(due.values())
            time.sleep(max(load_end + 5 - time.time(), 0))
            at_five = replies_sent(database_url)
            deadline = time.time() + 60
            sent = at_five
            while len(sent) < len(due) and time.time() < deadline:
                time.sleep(1)
                sent = replies_sent(database_url)
            time.sleep(2)  # the last status webhooks
            cpu_after = cpu_seconds(roots, args.database)
            statements_after = statement_times(database_url)
        finally:
            processes.stop([web, graph, *workers])
            log.close()
            worker_log = (Path(tmp) / "worker.log").read_text()

    latencies = sorted((sent[w] - due[w]) * 1000 for w in due if w in sent)
    if not latencies:
        raise SystemExit(f"no reply was sent; the worker said:\n{worker_log[-3000:]}")
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [float("nan")] * 99
    backlog = len(due) - sum(1 for w in due if w in at_five and at_five[w] <= load_end + 5)
    pool = f"worker {args.worker_processes} x {args.worker_pool} x{args.worker_concurrency}"
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} rate {args.rate:g}/s for {args.seconds:g} s on one number, {pool}, "
          f"quiet 0, status webhooks on, Meta: {args.meta}")  # fmt: skip
    print(f"inbound: {len(due)}  post errors: {errors}  answered: {len(latencies)}")
    print(f"inbound → reply accepted, ms: p50 {q[49]:.0f}  p90 {q[89]:.0f}  p99 {q[98]:.0f}  max {latencies[-1]:.0f}")
    print(f"not yet answered 5 s after the load: {backlog}")
    cost = {name: (cpu_after[name] - cpu_before[name]) * 1000 / max(len(sent), 1) for name in cpu_after}
    ours = cost["web"] + cost["worker"] + cost["postgres"]
    cost["load generator"] = load_cpu * 1000 / max(len(due), 1)
    print("CPU ms per answered message (webhook, reply, send, three status webhooks): "
          + "  ".join(f"{name} {ms:.1f}" for name, ms in cost.items()) + f"  product {ours:.1f}")  # fmt: skip
    if statements_before is not None and statements_after is not None:
        plan, run = (
            (after - before) / max(len(sent), 1)
            for before, after in zip(statements_before, statements_after, strict=True)
        )
        print(f"PostgreSQL per answered message (pg_stat_statements): planning {plan:.2f} ms  executing {run:.2f} ms")
    stages = stage_times(database_url)
    for name, pick in (
        ("webhook → stored by a worker", lambda w: stages[w][0] - due[w]),
        ("stored → reply recorded", lambda w: stages[w][1] - stages[w][0]),
        ("recorded → accepted by Meta", lambda w: stages[w][2] - stages[w][1]),
    ):
        values = sorted(pick(w) * 1000 for w in due if w in stages)
        if len(values) > 1:
            part = statistics.quantiles(values, n=100)
            print(f"  {name:<30} p50 {part[49]:6.0f}  p99 {part[98]:6.0f} ms")


if __name__ == "__main__":
    main()
