"""How fast is the sandbox's Graph API? (It must not be the bottleneck when tests and demos pace sends.)

Starts gunicorn with the sandbox on a fresh PostgreSQL database, onboards one hosted number through the
product's GraphClient (add, request_code, OTP, verify, register — timed), opens the customer windows with
/sandbox/api/inbound, then sends text messages from several threads with GraphClient.send_text and reports
latency percentiles and throughput. Status webhooks are off (SANDBOX_STATUS_WEBHOOKS=false) so this measures
the Graph request path only (token check, fault lookup, validation, window check, insert).

    .venv/bin/python bench/sandbox_graph.py --requests 1000 --concurrency 8

Needs PostgreSQL (default 127.0.0.1, database crm_bench_sandbox — wiped).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

TOKEN = "bench-master-token"
WABA = "100000000000001"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (threads: 4 each)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    database_url = processes.recreate_postgres_database(args.pg, "crm_bench_sandbox")
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "WHATSAPP_SANDBOX": "true",
        "WHATSAPP_MASTER_TOKEN": TOKEN,
        "WHATSAPP_BUSINESS_ACCOUNT_ID": WABA,
        "WHATSAPP_GRAPH_URL": f"{base}/sandbox/graph",
        "SANDBOX_STATUS_WEBHOOKS": "false",
        "WEBHOOK_URL": f"http://127.0.0.1:{processes.free_port()}/nobody-listens",
        "DATABASE_URL": database_url,
        "LOG_LEVEL": "ERROR",
    }
    os.environ.update(env)  # this process's GraphClient reads the same settings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    from whatsapp.client import GraphClient

    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    web = subprocess.Popen(processes.gunicorn_command(port, workers=args.workers), cwd=ROOT, env=env)
    try:
        processes.wait_until_healthy(base)
        client = GraphClient(TOKEN)
        started = time.perf_counter()
        pnid = client.add_phone_number(WABA, "57", "3005550101", "Bench")["id"]
        client.request_code(pnid)
        code = requests.get(f"{base}/sandbox/api/otp", params={"phone_number": "+573005550101"}, timeout=10).json()
        client.verify_code(pnid, code["code"])
        client.register(pnid, "123456")
        onboarding_ms = (time.perf_counter() - started) * 1000
        customers = [f"+5731{i:08d}" for i in range(args.customers)]
        for customer in customers:
            requests.post(
                f"{base}/sandbox/api/inbound",
                json={"phone_number_id": pnid, "from": customer, "text": "Hola"},
                timeout=30,
            )

        def send(i: int) -> tuple[float, bool]:
            begin = time.perf_counter()
            answer = client.send_text(pnid, customers[i % len(customers)], f"Respuesta {i}")
            return (time.perf_counter() - begin) * 1000, bool(answer.get("messages"))

        for i in range(20):  # warm-up (not counted)
            send(i)
        started = time.perf_counter()
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(send, range(args.requests)))
        elapsed = time.perf_counter() - started
    finally:
        processes.stop([web])

    latencies = sorted(ms for ms, _ in results)
    quantiles = statistics.quantiles(latencies, n=100)
    print(f"hosted onboarding (add, request_code, otp, verify, register): {onboarding_ms:.0f} ms")
    print(
        f"sends: {len(results)} accepted: {sum(ok for _, ok in results)}  concurrency: {args.concurrency}  "
        f"gunicorn: {args.workers}x4 threads"
    )
    print(f"throughput: {len(results) / elapsed:.0f} sends/s")
    print(
        f"latency ms: median {statistics.median(latencies):.1f}  p95 {quantiles[94]:.1f}  "
        f"p99 {quantiles[98]:.1f}  max {latencies[-1]:.1f}"
    )


if __name__ == "__main__":
    main()
