"""Statuses applied per second by one worker process: Meta's sent/delivered/read webhooks, each its own delivery.

Seeds PostgreSQL with one number and `--messages` accepted outbound messages, stores one delivery per status
(`sent`, `delivered`, `read` for every message, with Meta's pricing block, in the order Meta sends them) the way
the webhook does, then applies them the way a worker does (`webhook_events_apply`, batches of 100) in this one
process, timing only the applying. Prints statuses/s and queries per status; checks every message ends `read`.

    .venv/bin/python bench/status_throughput.py --messages 2000

Needs PostgreSQL (database crm_bench_statuses is recreated).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from crm import processes  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    args = parser.parse_args()

    os.environ.update(
        DATABASE_URL=processes.recreate_postgres_database(args.pg, "crm_bench_statuses"),
        DJANGO_SETTINGS_MODULE="crm.settings",
        DEBUG="false",
        SECRET_KEY="bench-secret-key-0123456789-0123456789-0123456789",
        FIELD_ENCRYPTION_KEY="XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
        ALLOWED_HOSTS="127.0.0.1",
        WHATSAPP_SANDBOX="false",
        WHATSAPP_MASTER_TOKEN="bench-token",
        WHATSAPP_APP_SECRET="bench-secret",
        LOG_LEVEL="WARNING",
        CACHE_URL="locmemcache://bench",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenants.models import Client, WhatsAppNumber
    from whatsapp.models import Contact, Conversation, Message, WebhookEvent
    from whatsapp.services.webhooks import store_webhook_event, webhook_events_apply

    call_command("migrate", verbosity=0)
    client = Client.objects.create(name="Ana", business_name="Café", email="cafe@bench.co", status="active")
    number = WhatsAppNumber.objects.create(
        client=client, phone_number="+573005550101", phone_number_id="109000000000101", status="active"
    )
    contact = Contact.objects.create(client=client, wa_id="573001112233")
    conversation = Conversation.objects.create(client=client, number=number, contact=contact)
    messages = Message.objects.bulk_create(
        Message(
            client=client,
            conversation=conversation,
            direction="out",
            sent_by="ai",
            status="sent",
            text=f"respuesta {i}",
            wamid=f"wamid.OUT{i:08d}",
            usage_counted=True,
        )
        for i in range(args.messages)
    )
    now = int(time.time())
    for name in ("sent", "delivered", "read"):
        for message in messages:
            status = {"id": message.wamid, "status": name, "timestamp": str(now), "recipient_id": contact.wa_id}
            if name == "sent":
                status["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": "service"}
            value = {
                "messaging_product": "whatsapp",
                "metadata": {"display_phone_number": "573005550101", "phone_number_id": number.phone_number_id},
                "statuses": [status],
            }
            entry = {"id": "100000000000001", "changes": [{"field": "messages", "value": value}]}
            store_webhook_event(json.dumps({"object": "whatsapp_business_account", "entry": [entry]}).encode())

    total = 3 * args.messages
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        applied = 0
        while done := webhook_events_apply():
            applied += done
        elapsed = time.perf_counter() - started
    assert applied == total, (applied, total)
    assert set(Message.objects.values_list("status", flat=True)) == {"read"}
    assert not WebhookEvent.objects.filter(outcome="received").exists()
    print(f"{total} statuses ({args.messages} messages x sent/delivered/read), one delivery each, one process")
    print(f"applied in {elapsed:.2f} s: {total / elapsed:,.0f} statuses/s, "
          f"{len(captured.captured_queries) / total:.2f} queries per status")  # fmt: skip


if __name__ == "__main__":
    main()
