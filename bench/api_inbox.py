"""Latency of the `/api/v1` inbox reads on a client with many conversations, and of an agent send.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_api \
        .venv/bin/python bench/api_inbox.py --conversations 5000 --messages 10 --rounds 30

Seeds one client (and a second one of the same size, so tenant filtering has rows to skip) with
`--conversations` conversations of `--messages` messages each, then times through Django's test
client (the whole API stack: authentication, client resolution, selectors, serializers):
  - GET /api/v1/conversations (first page of 50), and filtered by needs_attention=true;
  - GET /api/v1/conversations/<id>/messages;
  - GET /api/v1/contacts?q=<digits>;
  - POST /api/v1/conversations/<id>/messages {text} (in a rolled-back transaction: no send is run).
Prints the median and 95th percentile in milliseconds and the queries each request makes.
The data it creates is deleted at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("ALLOWED_HOSTS", "*")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tenants.authentication import create_api_key  # noqa: E402
from tenants.models import Client, WhatsAppNumber  # noqa: E402
from whatsapp.models import Contact, Conversation, Message  # noqa: E402


def seed(stamp: str, index: int, conversations: int, messages: int) -> tuple[Client, WhatsAppNumber]:
    client = Client.objects.create(name="Bench", business_name=f"Bench {stamp}-{index}", email="bench@example.com")
    number = WhatsAppNumber.objects.create(
        client=client, phone_number=f"+579{index}{stamp}", phone_number_id=f"bench{index}{stamp}", status="active"
    )
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        Contact(client=client, wa_id=f"57{index}{i:09d}", profile_name=f"Cliente {i}") for i in range(conversations)
    )
    threads = Conversation.objects.bulk_create(
        Conversation(
            client=client,
            number=number,
            contact=contact,
            last_inbound_at=now - timedelta(minutes=i),
            last_message_at=now - timedelta(minutes=i),
            needs_attention=i % 10 == 0,
        )
        for i, contact in enumerate(contacts)
    )
    batch: list[Message] = []
    for i, conversation in enumerate(threads):
        for j in range(messages):
            batch.append(
                Message(
                    client=client,
                    conversation=conversation,
                    direction="in" if j % 2 == 0 else "out",
                    text=f"mensaje {j}",
                    status="received" if j % 2 == 0 else "read",
                    sent_by="" if j % 2 == 0 else "ai",
                    created_at=now - timedelta(minutes=i, seconds=messages - j),
                )
            )
        if len(batch) >= 5000:
            Message.objects.bulk_create(batch)
            batch = []
    Message.objects.bulk_create(batch)
    return client, number


def rolled_back(request):
    """Run a write request in a transaction that is rolled back: nothing is kept, no send is enqueued."""
    with transaction.atomic():
        response = request()
        transaction.set_rollback(True)
    return response


def timed(rounds: int, request) -> tuple[float, float, int]:
    samples = []
    queries = 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = request()
            samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code in (200, 202), response.content
        queries = len(captured)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation")
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    stamp = str(time.time_ns())[-8:]
    started = time.perf_counter()
    with transaction.atomic():
        client, _ = seed(stamp, 1, args.conversations, args.messages)
        seed(stamp, 2, args.conversations, args.messages)
    if connection.vendor == "postgresql":  # production tables have planner statistics; fresh rows do not yet
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE whatsapp_conversation; ANALYZE whatsapp_message; ANALYZE whatsapp_contact")
    print(
        f"{connection.vendor}: seeded 2 clients x {args.conversations} conversations x {args.messages} messages "
        f"in {time.perf_counter() - started:.1f}s"
    )
    try:
        _, key = create_api_key(client=client, name="bench")
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        newest = Conversation.objects.for_client(client).order_by("-last_message_at").first()
        cases = {
            "GET conversations": lambda: api.get("/api/v1/conversations"),
            "GET conversations?needs_attention": lambda: api.get("/api/v1/conversations?needs_attention=true"),
            "GET conversation messages": lambda: api.get(f"/api/v1/conversations/{newest.pk}/messages"),
            "GET contacts?q=digits": lambda: api.get("/api/v1/contacts?q=00012"),
            "POST conversation message": lambda: rolled_back(
                lambda: api.post(f"/api/v1/conversations/{newest.pk}/messages", {"text": "Hola"}, format="json")
            ),
        }
        print(f"{'request':40} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}")
        for name, request in cases.items():
            p50, p95, queries = timed(args.rounds, request)
            print(f"{name:40} {p50:8.1f} {p95:8.1f} {queries:8d}")
    finally:
        Client.objects.filter(business_name__startswith=f"Bench {stamp}").delete()


if __name__ == "__main__":
    main()
