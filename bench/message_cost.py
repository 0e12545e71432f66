"""CPU per answered message, stage by stage, in one process: where the product's own time goes.

The latency benchmark (`pipeline_latency.py`) says what one message costs in all; this one says where.
It runs every stage of one answered message in this process, the way the product's processes run them,
and counts this process's CPU (`time.process_time`) per stage:

1. request: the inbound webhook through the product's WSGI application (crm.wsgi), as gunicorn calls it;
2. apply: a worker applies the stored deliveries (a batch of `--batch`) and queues the replies (Redis);
3. reply: the reply task for each message: decide (offline AI), read receipt, send to Meta, record;
4. status requests: Meta's three status webhooks (sent, delivered, read) for every reply;
5. status apply: a worker applies them (one batch per status, as they arrive).

Meta is the sandbox in a gunicorn of its own, so its CPU is not counted here, nor PostgreSQL's.

    .venv/bin/python bench/message_cost.py --messages 300 --batch 20
    .venv/bin/python bench/message_cost.py --messages 300 --batch 20 --profile reply

`--profile STAGE` prints that stage's top functions (cProfile, which slows what it measures: read its
shares, not its times). Needs PostgreSQL and Redis (database crm_cost and Redis db 10 are wiped).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.pipeline_latency import PHONE_NUMBER_ID, bench_settings, inbound, open_windows, wamid  # noqa: E402
from crm import processes  # noqa: E402

WARM_FIRST = 10_000_000  # the warm-up batch's customers
STAGES = ("request", "apply", "reply", "status requests", "status apply")


def status_body(reply_wamid: str, customer: str, status: str) -> bytes:
    item = {"id": reply_wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": customer}
    if status == "sent":
        item["pricing"] = {"billable": False, "pricing_model": "PMP", "type": "free_customer_service",
                           "category": "service"}  # fmt: skip
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "573005550101", "phone_number_id": PHONE_NUMBER_ID},
        "statuses": [item],
    }
    entry = {"id": "100000000000001", "changes": [{"field": "messages", "value": value}]}
    return json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20, help="deliveries a worker applies at once")
    parser.add_argument("--profile", choices=STAGES, help="print this stage's top functions")
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/10")
    args = parser.parse_args()

    import redis

    database_url = processes.recreate_postgres_database(args.pg, "crm_cost")
    redis.Redis.from_url(args.redis).flushdb()
    meta_port = processes.free_port()
    meta = f"http://127.0.0.1:{meta_port}"
    common = {
        **bench_settings(
            graph_url=f"{meta}/sandbox/graph",
            webhook_url=f"http://127.0.0.1:{processes.free_port()}/webhook/whatsapp",  # statuses: posted here
            database_url=database_url,
            redis_url=args.redis,
        ),
        "WHATSAPP_SENDS_PER_SECOND": "1000",
        "METRICS_FLUSH_SECONDS": "1",
    }
    meta_env = {
        **os.environ,
        **common,
        "DEBUG": "true",
        "WHATSAPP_SANDBOX": "true",
        "PORT": str(meta_port),
        "LOG_LEVEL": "ERROR",
    }  # fmt: skip - its status posts find nobody listening
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=meta_env, check=True)
    subprocess.run([*manage, "seed_demo"], cwd=ROOT, env=meta_env, check=True, capture_output=True)
    warm = args.batch
    # Meta knows every customer's message, the warm-up batch's too (else its read receipts are refused).
    open_windows(database_url, [(i, "COST") for i in [*range(args.messages), *range(WARM_FIRST, WARM_FIRST + warm)]])
    graph = subprocess.Popen(processes.gunicorn_command(meta_port, workers=1, threads=4), cwd=ROOT, env=meta_env)
    try:
        if not processes.wait_until_healthy(meta):
            raise SystemExit("the sandbox did not start")
        # This process is the product as in production: DEBUG off, no sandbox.
        os.environ.update(common)
        os.environ.update({"DEBUG": "false", "WHATSAPP_SANDBOX": "false", "SECURE_SSL_REDIRECT": "false",
                           "ALLOWED_HOSTS": "testserver", "DJANGO_SETTINGS_MODULE": "crm.settings"})  # fmt: skip
        import django

        django.setup()
        totals = measure(args, warm)
    finally:
        processes.stop([graph])
    report(totals, args.messages)


def measure(args: argparse.Namespace, warm: int) -> dict[str, float]:
    from crm.wsgi import application
    from whatsapp import tasks
    from whatsapp.models import Message
    from whatsapp.services.webhooks import webhook_events_apply
    from whatsapp.signature import sign_body

    totals: dict[str, float] = defaultdict(float)
    profiler = cProfile.Profile(time.process_time) if args.profile else None
    counting = False

    @contextmanager
    def stage(name: str):
        profile = profiler is not None and counting and name == args.profile
        if profile:
            profiler.enable()
        start = time.process_time()
        try:
            yield
        finally:
            if counting:
                totals[name] += time.process_time() - start
            if profile:
                profiler.disable()

    def post(body: bytes) -> None:
        """As gunicorn calls the product: the WSGI application with the request's environ."""
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/webhook/whatsapp", "SERVER_NAME": "testserver",
            "SERVER_PORT": "80", "HTTP_HOST": "testserver", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_HUB_SIGNATURE_256": sign_body(body),
        }  # fmt: skip
        answered: list[str] = []
        result = application(environ, lambda status, headers, exc_info=None: answered.append(status))
        content = b"".join(result)
        result.close()
        if not answered[0].startswith("200"):
            raise SystemExit(f"the webhook answered {answered[0]}: {content[:300]!r}")

    def run_batch(first: int, count: int) -> None:
        ids = range(first, first + count)
        with stage("request"):
            for i in ids:
                post(inbound(i, "COST"))
        with stage("apply"):
            webhook_events_apply()
        inbound_ids = dict(Message.objects.filter(wamid__in=[wamid(i, "COST") for i in ids]).values_list("wamid", "pk"))
        with stage("reply"):
            for i in ids:
                tasks.answer_inbound_message.run(inbound_ids[wamid(i, "COST")])
        replies = list(
            Message.objects.filter(reply_to_id__in=inbound_ids.values()).values_list(
                "wamid", "conversation__contact__wa_id"
            )
        )
        if len(replies) != count or not all(w for w, _ in replies):
            raise SystemExit(f"{count - len(replies)} of {count} messages were not answered")
        for status in ("sent", "delivered", "read"):
            with stage("status requests"):
                for reply_wamid, customer in replies:
                    post(status_body(reply_wamid, customer, status))
            with stage("status apply"):
                webhook_events_apply()

    run_batch(WARM_FIRST, warm)  # caches, connections, compiled reads: not what a message costs
    counting = True
    done = 0
    while done < args.messages:
        count = min(args.batch, args.messages - done)
        run_batch(done, count)
        done += count
    if profiler is not None:
        print(f"--- {args.profile}: top functions by own time, then by cumulative time")
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
    return totals


def report(totals: dict[str, float], messages: int) -> None:
    print(f"CPU ms per answered message, this process only (Meta and PostgreSQL apart), {messages} messages:")
    for name in STAGES:
        print(f"  {name:<16} {totals[name] * 1000 / messages:6.2f}")
    print(f"  {'total':<16} {sum(totals.values()) * 1000 / messages:6.2f}")


if __name__ == "__main__":
    main()
