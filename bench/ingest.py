"""Webhook ingest, saturated: signed deliveries/s under gunicorn, beside a bare Django view in the same run.

Starts gunicorn (the production web process, gthread) on a fresh PostgreSQL database with Redis as the
broker, and drives `POST /webhook/whatsapp` with wrk: every request is a different pre-signed inbound
delivery (unique wamid, no repeats). No worker runs: this measures acknowledging only. Then the same
gunicorn flags serve `bench/bare_settings.py`, whose one view reads the body and answers 200, and wrk
drives it the same way. It prints both rates, their ratio, latency, errors, and how many acknowledged
deliveries were stored (all of them must be).

    .venv/bin/python bench/ingest.py --seconds 10 --connections 32

Needs PostgreSQL, Redis (db 9, wiped) and wrk (Debian package `wrk`); database crm_bench is recreated.
Load generator and server share this machine's cores: compare the two rates, not absolute numbers.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import redis

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

SECRET = "bench-app-secret"
LUA = ROOT / "bench" / "ingest.lua"


def delivery(i: int, now: int) -> bytes:
    """One inbound text from one of 50 customers to the demo café, with its own wamid."""
    sender = f"5730000{i % 50:05d}"
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "573005550101", "phone_number_id": "109000000000101"},
        "contacts": [{"profile": {"name": f"Cliente {i % 50}"}, "wa_id": sender}],
        "messages": [
            {"from": sender, "id": f"wamid.INGEST{i:09d}", "timestamp": str(now), "type": "text",
             "text": {"body": f"Hola, mensaje {i}"}}
        ],
    }  # fmt: skip
    entry = {"id": "100000000000001", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def write_deliveries(path: Path, count: int) -> None:
    now = int(time.time())
    with path.open("wb") as out:
        for i in range(count):
            body = delivery(i, now)
            signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            out.write(signature.encode() + b"\t" + body + b"\n")


def run_wrk(port: int, deliveries: Path, args: argparse.Namespace) -> dict:
    command = [
        "wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.seconds}s",
        "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(deliveries), str(args.threads),
    ]  # fmt: skip
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("JSON "))
    result = json.loads(line[5:])
    result["rate"] = result["requests"] / args.seconds
    return result


def serve(port: int, env: dict, args: argparse.Namespace) -> subprocess.Popen:
    """gunicorn with the production flags of this benchmark (`--workers`, `--gunicorn-threads`)."""
    web = subprocess.Popen(
        processes.gunicorn_command(port, workers=args.workers, threads=args.gunicorn_threads), cwd=ROOT, env=env
    )
    if not processes.wait_until_healthy(f"http://127.0.0.1:{port}"):
        processes.stop([web])
        raise SystemExit("gunicorn did not start")
    return web


def serve_and_drive(env: dict, deliveries: Path, args: argparse.Namespace) -> dict:
    """Start gunicorn with `env`, run wrk against it, stop it."""
    port = processes.free_port()
    web = serve(port, env, args)
    try:
        return run_wrk(port, deliveries, args)
    finally:
        processes.stop([web])


def stored_deliveries(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute("SELECT count(*) FROM whatsapp_webhookevent").fetchone()[0]


def prepare(pg: str, redis_url: str) -> tuple[str, dict[str, str]]:
    """A fresh crm_bench database with the demo data and an empty Redis; the production-like environment."""
    database_url = processes.recreate_postgres_database(pg, "crm_bench")
    redis.Redis.from_url(redis_url).flushdb()
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "bench-secret-key-0123456789-0123456789-0123456789",
        "FIELD_ENCRYPTION_KEY": "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
        "ALLOWED_HOSTS": "127.0.0.1",
        "WHATSAPP_SANDBOX": "false",
        "WHATSAPP_APP_SECRET": SECRET,
        "WHATSAPP_MASTER_TOKEN": "bench-token",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "LOG_LEVEL": "WARNING",
    }
    (ROOT / "var" / "staticfiles").mkdir(parents=True, exist_ok=True)  # whitenoise looks there
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    return database_url, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--gunicorn-threads", type=int, default=4)
    parser.add_argument("--deliveries", type=int, default=100_000, help="distinct signed deliveries to send")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/9")
    args = parser.parse_args()

    database_url, env = prepare(args.pg, args.redis)

    with tempfile.TemporaryDirectory() as tmp:
        deliveries = Path(tmp) / "deliveries.tsv"
        write_deliveries(deliveries, args.deliveries)
        product = serve_and_drive(env, deliveries, args)
        stored = stored_deliveries(database_url)
        bare = serve_and_drive({**env, "DJANGO_SETTINGS_MODULE": "bench.bare_settings"}, deliveries, args)

    acknowledged = product["requests"] - product["non2xx"]  # answered 200
    gunicorn = f"gunicorn {args.workers}x{args.gunicorn_threads} gthread"
    print(f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s; {gunicorn}")
    print(f"{'':>16} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'non-200':>8} {'errors':>7} {'repeats':>8}")
    for name, r in (("webhook", product), ("bare view", bare)):
        print(
            f"{name:>16} {r['rate']:8.0f} {r['p50_ms']:8.2f} {r['p99_ms']:8.2f} {r['non2xx']:8d} {r['errors']:7d} "
            f"{r['wrapped']:8d}"
        )
    print(f"ratio webhook / bare view: {product['rate'] / bare['rate']:.2f}")
    print(f"acknowledged (200): {acknowledged}  stored deliveries: {stored}  all kept: {stored >= acknowledged}")


if __name__ == "__main__":
    main()
