"""How fast does POST /webhook/whatsapp acknowledge Meta? (Meta asks for a median ≤ 250 ms.)

Starts gunicorn (the production web process) on a fresh PostgreSQL database with a Redis broker,
then posts signed inbound-message webhooks from several threads, each with a new wamid, and
reports latency percentiles and throughput. The worker is not started: this measures the
request path only (verify, store, route, insert, enqueue).

    .venv/bin/python bench/webhook_latency.py --requests 2000 --concurrency 16

Needs PostgreSQL and Redis (defaults: 127.0.0.1, database crm_bench, Redis db 9 — both wiped).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

SECRET = "bench-app-secret"


def payload(i: int) -> bytes:
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "100000000000001",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "573005550101", "phone_number_id": "109000000000101"},
                            "contacts": [{"profile": {"name": f"Cliente {i % 50}"}, "wa_id": f"5730000{i % 50:05d}"}],
                            "messages": [
                                {
                                    "from": f"5730000{i % 50:05d}",
                                    "id": f"wamid.BENCH{i:08d}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": f"Hola, mensaje {i}"},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (threads: 4 each)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    database_url = processes.recreate_postgres_database(args.pg, "crm_bench")
    redis.Redis.from_url(args.redis).flushdb()
    port = processes.free_port()
    env = {
        **os.environ,
        "DEBUG": "true",  # allows the sandbox twin in seed_demo; DEBUG pages are not on this path
        "WHATSAPP_SANDBOX": "true",
        "WHATSAPP_APP_SECRET": SECRET,
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    web = subprocess.Popen(processes.gunicorn_command(port, workers=args.workers), cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    try:
        processes.wait_until_healthy(f"http://127.0.0.1:{port}")
        import hashlib
        import hmac

        bodies = [payload(i) for i in range(args.requests)]
        signatures = ["sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest() for b in bodies]
        session = requests.Session()

        def post(i: int) -> tuple[float, int]:
            start = time.perf_counter()
            response = session.post(
                url,
                data=bodies[i],
                timeout=30,
                headers={"Content-Type": "application/json", "X-Hub-Signature-256": signatures[i]},
            )
            return (time.perf_counter() - start) * 1000, response.status_code

        for i in range(20):  # warm-up (not counted)
            post(i)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(post, range(20, args.requests)))
        elapsed = time.perf_counter() - started
    finally:
        processes.stop([web])

    latencies = sorted(ms for ms, _ in results)
    statuses = {s: sum(1 for _, x in results if x == s) for s in {x for _, x in results}}
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"requests: {len(results)}  concurrency: {args.concurrency}  gunicorn: {args.workers}x4 threads")
    print(f"status codes: {statuses}")
    print(f"throughput: {len(results) / elapsed:.0f} webhooks/s")
    print(
        f"latency ms: median {statistics.median(latencies):.1f}  p95 {quantiles[94]:.1f}  "
        f"p99 {quantiles[98]:.1f}  max {latencies[-1]:.1f}"
    )
    print(f"over 1 s: {sum(1 for ms in latencies if ms > 1000) / len(latencies):.2%}")


if __name__ == "__main__":
    main()
