"""The sandbox plays Meta, so it learns of every customer message the product receives.

A signed webhook may reach the product without passing through `/sandbox/api/inbound` (the
README's curl, an acceptance test, a replayed capture). Had Meta delivered it, Meta would know the
customer wrote and would accept free-form replies for 24 hours; the sandbox must agree, or it
would refuse the reply with 131047 where Meta would not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone

from core.sql import insert_columns, insert_params, select_list
from sandbox.models import SandboxConversation
from whatsapp.signals import inbound_message_recorded

WINDOW = timedelta(hours=24)


def customer_wrote(sender, *, number, wa_id: str, sent_at: datetime, **kwargs) -> None:
    if not settings.WHATSAPP_SANDBOX or not wa_id or not number.phone_number_id:
        return
    if sent_at <= timezone.now() - WINDOW:
        return  # a replayed old message opens nothing
    # One statement (PostgreSQL and SQLite alike): open the window, or move it forward, never back.
    row = SandboxConversation(phone_number_id=number.phone_number_id, wa_id=wa_id, last_inbound_at=sent_at)
    table = connection.ops.quote_name(SandboxConversation._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(insert_columns(SandboxConversation))})"
            f" VALUES ({select_list(SandboxConversation)})"
            " ON CONFLICT (phone_number_id, wa_id) DO UPDATE SET last_inbound_at = excluded.last_inbound_at"
            f" WHERE {table}.last_inbound_at IS NULL OR {table}.last_inbound_at < excluded.last_inbound_at",
            insert_params(row),
        )


def connect() -> None:
    inbound_message_recorded.connect(customer_wrote, dispatch_uid="sandbox.customer_wrote")
