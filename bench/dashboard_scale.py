"""Operator dashboard and client portal at 1, 10, 100 and 1,000 clients: queries and render time.

Seeds a fresh PostgreSQL database with N clients (each: an active number, 20 conversations of 5 messages
today, an owner), then renders each page through Django's test client (the whole stack: middleware,
session, views, templates) as the operator and as one client's owner, and reports the median time over
`--rounds` renders and the number of queries. Queries must not grow with the number of clients.

    .venv/bin/python bench/dashboard_scale.py --rounds 10

Needs PostgreSQL (database crm_bench_dashboard is recreated).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402

OPERATOR_PAGES = ["/dashboard/", "/api/dashboard/metrics", "/billing/costs/"]
PORTAL_PAGES = ["/app/", "/app/inbox/", "/app/usage/"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1,10,100,1000")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=processes.recreate_postgres_database(args.pg, "crm_bench_dashboard"),
        DJANGO_SETTINGS_MODULE="crm.settings",
        DEBUG="false",
        SECRET_KEY="bench-secret-key-0123456789-0123456789-0123456789",
        FIELD_ENCRYPTION_KEY="XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
        ALLOWED_HOSTS="testserver",
        SECURE_SSL_REDIRECT="false",
        WHATSAPP_SANDBOX="false",
        WHATSAPP_MASTER_TOKEN="bench-token",
        WHATSAPP_APP_SECRET="bench-secret",
        LOG_LEVEL="WARNING",
        CACHE_URL="locmemcache://bench",
    )
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as Browser
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from tenants.models import Client, Membership, WhatsAppNumber
    from whatsapp.models import Contact, Conversation, Message

    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off serves the hashed manifest
    users = get_user_model().objects
    operator = users.create_user("operator@bench.co", "operator@bench.co", "x", is_staff=True)

    def seed(first: int, last: int) -> None:
        clients = Client.objects.bulk_create(
            Client(name=f"Dueño {i}", business_name=f"Negocio {i:04d}", email=f"c{i}@bench.co", status="active")
            for i in range(first, last)
        )
        owners = users.bulk_create(
            get_user_model()(username=f"c{c.pk}@bench.co", email=f"c{c.pk}@bench.co") for c in clients
        )
        Membership.objects.bulk_create(
            Membership(user=u, client=c, role="owner") for u, c in zip(owners, clients, strict=True)
        )
        numbers = WhatsAppNumber.objects.bulk_create(
            WhatsAppNumber(client=c, phone_number=f"+5730{c.pk:08d}", phone_number_id=f"9{c.pk:011d}", status="active")
            for c in clients
        )
        contacts = Contact.objects.bulk_create(
            Contact(client=n.client, wa_id=f"57311{n.client_id:04d}{k:03d}", profile_name=f"Cliente {k}")
            for n in numbers
            for k in range(20)
        )
        by_client = {}
        for contact in contacts:
            by_client.setdefault(contact.client_id, []).append(contact)
        conversations = Conversation.objects.bulk_create(
            Conversation(client_id=n.client_id, number=n, contact=contact)
            for n in numbers
            for contact in by_client[n.client_id]
        )
        Message.objects.bulk_create(
            Message(
                client_id=c.client_id,
                conversation=c,
                direction="in" if k % 2 == 0 else "out",
                sent_by="" if k % 2 == 0 else "ai",
                status="received" if k % 2 == 0 else "read",
                text=f"mensaje {k}",
            )
            for c in conversations
            for k in range(5)
        )

    def measure(browser: Browser, url: str) -> tuple[float, int]:
        times = []
        for _ in range(args.rounds):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = browser.get(url)
                times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        return statistics.median(times), len(captured.captured_queries)

    print(f"{'clients':>8}  {'page':<32} {'median ms':>10} {'queries':>8}")
    seeded = 0
    for size in (int(s) for s in args.sizes.split(",")):
        seed(seeded, size)
        seeded = size
        staff = Browser()
        staff.force_login(operator)
        owner = Browser()
        owner.force_login(Membership.objects.order_by("id").first().user)
        for who, browser, pages in (("operator", staff, OPERATOR_PAGES), ("owner", owner, PORTAL_PAGES)):
            for url in pages:
                ms, count = measure(browser, url)
                print(f"{size:>8}  {who + ' ' + url:<32} {ms:10.1f} {count:8d}")


if __name__ == "__main__":
    main()
