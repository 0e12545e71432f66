"""Webhook ingest, open loop: signed deliveries at a fixed rate (default 300/s for 30 s), p50/p99 and errors.

The production web process (gunicorn gthread, PostgreSQL, Redis, no worker) receives each delivery when
it is due, whatever happened to the ones before (no coordinated omission): latency counts from the time
a delivery was due, so a stall shows up in every delivery it delayed.

    .venv/bin/python bench/ingest_open_loop.py --rate 300 --seconds 30

Needs PostgreSQL and Redis (database crm_bench and Redis db 9 are wiped).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.ingest import SECRET, delivery, prepare, serve, stored_deliveries
from crm import processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--senders", type=int, default=64, help="client threads (enough to never fall behind)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    database_url, env = prepare(args.pg, args.redis)
    total = int(args.rate * args.seconds)
    now = int(time.time())
    bodies = [delivery(i, now) for i in range(total)]
    signatures = ["sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest() for b in bodies]
    port = processes.free_port()
    web = serve(port, env, args)
    url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    local = threading.local()
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    try:
        start = time.perf_counter() + 1

        def post(i: int) -> None:
            due = start + i / args.rate
            time.sleep(max(due - time.perf_counter(), 0))
            session = getattr(local, "session", None) or requests.Session()
            local.session = session
            headers = {
                "Content-Type": "application/json",
                "X-Hub-Signature-256": signatures[i],
                "X-Forwarded-Proto": "https",  # as the TLS proxy in front of gunicorn sends it
            }
            try:
                status = session.post(url, data=bodies[i], headers=headers, timeout=10).status_code
            except requests.RequestException:
                status = 0
            with lock:
                results.append(((time.perf_counter() - due) * 1000, status))

        with ThreadPoolExecutor(args.senders) as pool:
            list(pool.map(post, range(total)))
        elapsed = time.perf_counter() - start
    finally:
        processes.stop([web])

    latencies = sorted(ms for ms, _ in results)
    q = statistics.quantiles(latencies, n=100)
    errors = sum(1 for _, status in results if status != 200)
    print(f"open loop {args.rate:g}/s for {args.seconds:g} s: {total} deliveries in {elapsed:.1f} s; "
          f"gunicorn {args.workers}x{args.gunicorn_threads} gthread")  # fmt: skip
    print(f"latency from due time, ms: p50 {q[49]:.1f}  p90 {q[89]:.1f}  p99 {q[98]:.1f}  max {latencies[-1]:.1f}")
    print(f"errors (not 200): {errors}  stored: {stored_deliveries(database_url)} of {total}")


if __name__ == "__main__":
    main()
