"""Concurrent usage increments per second on PostgreSQL, and the exact total they must reach.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_billing \
        .venv/bin/python bench/usage_counter.py --workers 8 --each 500

Measures two things against one (number, month) row, the hottest row the product has:
  1. `increment_usage` alone: the atomic UPDATE … SET c = c + 1 (F() expression);
  2. `count_accepted_message`: the whole exactly-once path a send takes (guard flag, ledger row,
     counters, alert check) in one transaction.
Each worker is a thread (or with --processes a forked process) with its own database connection.
The data it creates is deleted at the end.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.utils import timezone  # noqa: E402

from billing.models import UsagePeriod  # noqa: E402
from billing.services import increment_usage, usage_period_for  # noqa: E402
from tenants.models import Client, WhatsAppNumber  # noqa: E402
from whatsapp.models import Contact, Conversation, Message  # noqa: E402
from whatsapp.services.outbound import count_accepted_message  # noqa: E402


def in_threads(workers: int, work) -> float:
    barrier = Barrier(workers + 1)

    def run(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(run, i) for i in range(workers)]
        barrier.wait()
        started = time.perf_counter()
        for future in futures:
            future.result()
    return time.perf_counter() - started


def in_processes(workers: int, work) -> float:
    """Forked workers (like Celery's prefork pool): no shared GIL, one connection each."""
    connections.close_all()  # never share a socket across fork
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers + 1)

    def run(index: int) -> None:
        barrier.wait()
        work(index)
        connections.close_all()

    procs = [ctx.Process(target=run, args=(i,)) for i in range(workers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    started = time.perf_counter()
    for proc in procs:
        proc.join()
    if any(proc.exitcode for proc in procs):
        sys.exit("a worker failed")
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--each", type=int, default=500, help="increments per worker")
    parser.add_argument("--processes", action="store_true", help="forked processes instead of threads")
    args = parser.parse_args()
    run = in_processes if args.processes else in_threads
    kind = "processes" if args.processes else "threads"
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: this measures row-lock contention there.")
    call_command("migrate", verbosity=0)
    total = args.workers * args.each
    stamp = str(time.time_ns())[-9:]
    client = Client.objects.create(name="Bench", business_name=f"Bench {stamp}", email="bench@example.com")
    try:
        number = WhatsAppNumber.objects.create(
            client=client, phone_number=f"+5799{stamp}", phone_number_id=f"bench{stamp}", status="active"
        )
        period = usage_period_for(number=number)

        elapsed = run(
            args.workers,
            lambda _: [increment_usage(period_id=period.pk, inbound_messages=1) for _ in range(args.each)],
        )
        got = UsagePeriod.objects.get(pk=period.pk).inbound_messages
        print(
            f"increment_usage: {args.workers} {kind} x {args.each} = {got}/{total} "
            f"in {elapsed:.2f}s -> {total / elapsed:,.0f} increments/s"
        )
        assert got == total, "lost updates"

        contact = Contact.objects.create(client=client, wa_id="573001112233")
        conversation = Conversation.objects.create(client=client, number=number, contact=contact)
        now = timezone.now()
        messages = Message.objects.bulk_create(
            Message(
                client=client,
                conversation=conversation,
                direction="out",
                status="sent",
                sent_by="ai",
                sent_at=now,
                text="bench",
            )
            for _ in range(total)
        )
        ids = [m.pk for m in messages]

        def count(index: int) -> None:
            for pk in ids[index * args.each : (index + 1) * args.each]:
                count_accepted_message(pk)

        elapsed = run(args.workers, count)
        got = UsagePeriod.objects.get(pk=period.pk).service_messages
        print(
            f"count_accepted_message: {args.workers} {kind} x {args.each} = {got}/{total} "
            f"in {elapsed:.2f}s -> {total / elapsed:,.0f} messages/s"
        )
        assert got == total, "lost or doubled counts"
    finally:
        client.delete()


if __name__ == "__main__":
    main()
