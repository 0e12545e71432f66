"""How long does a client wait at each onboarding step? The hosted flow and Embedded Signup, end to end.

Starts gunicorn (the production web process, sandbox on as the Graph API, so every Graph call is a real
HTTP round trip back into the same server) on a fresh PostgreSQL database, then runs N onboardings from
several threads — signup, add the number (add + request_code), read the code, verify (verify_code,
subscribe, register), and Embedded Signup (code exchange, read number, subscribe, register) — and reports
per-step latency percentiles. Hosted runs stop at the portfolio cap of 20 numbers.

    .venv/bin/python bench/onboarding_flow.py --clients 200 --concurrency 8

Needs PostgreSQL (default 127.0.0.1, database crm_bench_onboarding — wiped) and Redis db 4 (rate-limit cache).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

DB = "crm_bench_onboarding"


def timed(timings: dict, step: str, call):
    start = time.perf_counter()
    response = call()
    timings[step].append((time.perf_counter() - start) * 1000)
    return response


HOSTED_CAP = 20  # Meta's (and the sandbox's) cap for a verified portfolio: hosted runs stop there


def register(session: requests.Session, base: str, email: str, timings: dict) -> str:
    body = {"name": "Bench", "email": email, "business_name": email.split("@")[0]}
    response = timed(timings, "register", lambda: session.post(f"{base}/api/clients/register", json=body, timeout=30))
    return response.json()["setup_code"]


def onboard_hosted(base: str, i: int, timings: dict) -> bool:
    session = requests.Session()
    phone = f"+57301{i:05d}12"  # never ends in the sandbox's magic 0000
    code = register(session, base, f"hosted{i}@example.com", timings)
    body = {"setup_code": code, "phone_number": phone}
    added = timed(timings, "add-whatsapp", lambda: session.post(f"{base}/api/clients/add-whatsapp", json=body))
    if added.status_code != 202:
        print("add-whatsapp", added.status_code, added.text[:200])
        return False
    otp = session.get(f"{base}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    body = {"setup_code": code, "code": otp}
    verified = timed(timings, "verify-whatsapp", lambda: session.post(f"{base}/api/clients/verify-whatsapp", json=body))
    return verified.status_code == 200


def onboard_embedded(base: str, i: int, timings: dict) -> bool:
    session = requests.Session()
    code = register(session, base, f"es{i}@example.com", timings)
    popup = session.post(
        f"{base}/sandbox/api/embedded-signup",
        json={"business_name": f"ES {i}", "phone_number": f"+57302{i:05d}34"},
        timeout=30,
    )
    if popup.status_code != 201:
        print("sandbox embedded-signup", popup.status_code, popup.text[:200])
        return False
    popup = popup.json()
    body = {"setup_code": code, **{k: popup[k] for k in ("code", "waba_id", "phone_number_id")}}
    response = timed(timings, "embedded-signup", lambda: session.post(f"{base}/api/clients/embedded-signup", json=body))
    return response.status_code == 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (8 threads each)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4")
    args = parser.parse_args()

    database_url = processes.recreate_postgres_database(args.pg, DB)
    redis.Redis.from_url(args.redis).flushdb()
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DEBUG": "true",
        "WHATSAPP_SANDBOX": "true",
        "WHATSAPP_GRAPH_URL": f"{base}/sandbox/graph",
        "PUBLIC_BASE_URL": base,
        "SANDBOX_OPERATOR_VERIFIED": "true",
        "DATABASE_URL": database_url,
        "REDIS_URL": args.redis,
        "ONBOARDING_SIGNUP_RATE": "100000/hour",
        "ONBOARDING_SETUP_CODE_RATE": "100000/minute",
        "LOG_LEVEL": "ERROR",
    }
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    gunicorn = processes.gunicorn_command(port, workers=args.workers, threads=8, log_level="error")
    web = subprocess.Popen(gunicorn, cwd=ROOT, env=env)
    timings: dict[str, list[float]] = defaultdict(list)
    try:
        processes.wait_until_healthy(base)
        started = time.perf_counter()
        hosted = min(args.clients, HOSTED_CAP)
        with ThreadPoolExecutor(args.concurrency) as pool:
            results = list(pool.map(lambda i: onboard_hosted(base, i, timings), range(hosted)))
            results += list(pool.map(lambda i: onboard_embedded(base, i, timings), range(args.clients)))
        elapsed = time.perf_counter() - started
    finally:
        processes.stop([web])

    print(f"clients: {hosted} hosted + {args.clients} Embedded Signup  concurrency: {args.concurrency}")
    print(f"all steps succeeded: {sum(results)}/{len(results)}  wall time: {elapsed:.1f} s")
    for step, values in timings.items():
        values.sort()
        q = statistics.quantiles(values, n=100)
        print(f"{step:16} median {statistics.median(values):7.1f} ms  p95 {q[94]:7.1f} ms  max {values[-1]:7.1f} ms")


if __name__ == "__main__":
    main()
