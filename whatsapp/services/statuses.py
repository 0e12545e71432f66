"""Apply Meta's delivery statuses to outbound messages without ever moving them backwards."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from billing.services import usage_record_pricing, usage_record_pricing_batch
from core.compiled import CompiledSelect
from core.prepared import prepared_cursor
from core.sql import update_rows
from tenants.models import WhatsAppNumber
from whatsapp.models import Message
from whatsapp.services.customer_events import note_send_failure
from whatsapp.services.inbound import _timestamp
from whatsapp.services.outbound import count_accepted_message
from whatsapp.signals import message_statuses_applied

logger = logging.getLogger(__name__)

_TIMESTAMP_FIELD = {"sent": "sent_at", "delivered": "delivered_at", "read": "read_at", "failed": "failed_at"}


def _find_outbound(number: WhatsAppNumber, status: dict[str, Any]) -> Message | None:
    outbound = Message.objects.for_client(number.client).filter(direction=Message.Direction.OUTBOUND)
    wamid = status.get("id")
    if wamid:
        found = outbound.filter(wamid=wamid).first()
        if found:
            return found
    # We put our message uuid in biz_opaque_callback_data: a status can arrive before the send
    # call returned (or after a worker died mid-call) and still find its message.
    opaque = status.get("biz_opaque_callback_data")
    try:
        return outbound.filter(uuid=uuid.UUID(str(opaque)), wamid__isnull=True).first() if opaque else None
    except ValueError:
        return None


def apply_status_update(*, number: WhatsAppNumber, status: dict[str, Any]) -> Message | None:
    """Record one `statuses[]` entry. Returns the message it applied to, if we know it."""
    message = _find_outbound(number, status)
    name = str(status.get("status") or "")
    if message is None:
        logger.info("status %s for unknown message %s", name, status.get("id"))
        return None
    at = _timestamp(status.get("timestamp"))
    updates: dict[str, Any] = {}
    if not message.wamid and status.get("id"):
        updates["wamid"] = status["id"]
    ts_field = _TIMESTAMP_FIELD.get(name)
    if ts_field and getattr(message, ts_field) is None:
        updates[ts_field] = at
    pricing = status.get("pricing") or {}
    if pricing:
        updates.update(
            pricing_category=str(pricing.get("category") or ""),
            pricing_type=str(pricing.get("type") or ""),
            billable=pricing.get("billable") if isinstance(pricing.get("billable"), bool) else message.billable,
        )
    if message.error_code == "timeout" and name in ("sent", "delivered", "read"):
        updates.update(error_code="", error_title="", error_details="")  # Meta did take it after all
    if updates:
        Message.objects.filter(pk=message.pk).update(**updates)
    if pricing:
        usage_record_pricing(
            message_id=message.pk,
            pricing_category=updates["pricing_category"],
            pricing_type=updates["pricing_type"],
            billable=updates["billable"],
        )
    _advance_status(message, name, status)
    if name in ("sent", "delivered", "read") and not message.usage_counted:
        count_accepted_message(message.pk)  # guarded again inside: concurrent statuses count once
    message.refresh_from_db()
    message_statuses_applied.send(
        sender=Message, statuses=[(message.client_id, message.pk, name, _timestamp(status.get("timestamp")))]
    )
    return message


def _advance_status(message: Message, name: str, status: dict[str, Any]) -> None:
    """Conditional UPDATEs so concurrent or reordered statuses only ever move forward."""
    rank = Message.STATUS_RANK
    if name == "failed":
        errors = status.get("errors") or [{}]
        err = errors[0] if isinstance(errors[0], dict) else {}
        failed = (
            Message.objects.filter(pk=message.pk)
            .exclude(status__in=["delivered", "read"])
            .update(
                status=Message.Status.FAILED,
                error_code=str(err.get("code") or ""),
                error_title=str(err.get("title") or "")[:255],
                error_details=str((err.get("error_data") or {}).get("details") or err.get("message") or ""),
            )
        )
        if failed:
            note_send_failure(message_id=message.pk, code=str(err.get("code") or ""))
        return
    if name not in rank:
        return
    lower = [s for s, r in rank.items() if r < rank[name]]
    Message.objects.filter(pk=message.pk).filter(Q(status__in=lower)).update(status=name)


# --- a batch of statuses at once --------------------------------------------------------------------
StatusItem = tuple[WhatsAppNumber, dict[str, Any]]


def apply_status_batch(items: list[StatusItem]) -> int:
    """Apply many `statuses[]` entries set-wise; returns how many found their message.

    One read finds every message (by wamid, else by our uuid in biz_opaque_callback_data), one UPDATE
    writes the columns that changed (core.sql.update_rows), and one conditional
    UPDATE per target status moves messages forward only: a status the database has passed meanwhile
    changes nothing. Failed statuses, and messages whose send was never counted, take the one-by-one path
    (both are rare). Meta's pricing blocks reach billing grouped, in one call.
    """
    found = _messages_for(items)
    changes: dict[int, dict[str, Any]] = {}
    target: dict[int, str] = {}
    pricing: dict[int, tuple[str, str, bool | None]] = {}
    one_by_one: list[StatusItem] = []
    seen: list[tuple[int, int, str, Any]] = []  # for observers: (client id, message id, status, timestamp)
    applied = 0
    rank = Message.STATUS_RANK
    for number, status in sorted(items, key=lambda item: rank.get(str(item[1].get("status")), 9)):
        message = found.get(_key(number, status))
        name = str(status.get("status") or "")
        if message is None:
            logger.info("status %s for unknown message %s", name, status.get("id"))
            continue
        applied += 1
        if name == "failed" or (name in ("sent", "delivered", "read") and not message.usage_counted):
            one_by_one.append((number, status))
            continue
        seen.append((message.client_id, message.pk, name, _timestamp(status.get("timestamp"))))
        column = changes.setdefault(message.pk, {})
        if not message.wamid and status.get("id"):
            column["wamid"] = message.wamid = str(status["id"])
        ts_field = _TIMESTAMP_FIELD.get(name)
        if ts_field and getattr(message, ts_field) is None:
            column[ts_field] = _timestamp(status.get("timestamp"))
            setattr(message, ts_field, column[ts_field])
        block = status.get("pricing") or {}
        if block:
            billable = block.get("billable") if isinstance(block.get("billable"), bool) else message.billable
            values = (str(block.get("category") or ""), str(block.get("type") or ""), billable)
            column.update(pricing_category=values[0], pricing_type=values[1], billable=values[2])
            pricing[message.pk] = values
        if message.error_code == "timeout" and name in ("sent", "delivered", "read"):
            column.update(error_code="", error_title="", error_details="")  # Meta did take it after all
        if name in rank and rank[name] > rank.get(target.get(message.pk, ""), -1):
            target[message.pk] = name
    update_rows(Message, changes)  # one statement; a column a message does not change keeps its value
    _move_forward(target)
    if pricing:
        usage_record_pricing_batch(pricing)
    if seen:
        message_statuses_applied.send(sender=Message, statuses=seen)
    for number, status in one_by_one:
        apply_status_update(number=number, status=status)
    return applied


def _move_forward(target: dict[int, str]) -> None:
    """Move each message to its target status unless the database has passed it meanwhile (forward only).
    On PostgreSQL one statement for the batch whose text never changes; elsewhere one UPDATE per target."""
    if not target:
        return
    if connection.vendor == "postgresql":
        with prepared_cursor() as cursor:
            cursor.execute(_FORWARD_SQL, [list(target), list(target.values())])
        return
    rank = Message.STATUS_RANK
    for name in ("sent", "delivered", "read"):
        ids = [pk for pk, wanted in target.items() if wanted == name]
        if ids:
            lower = [s for s, r in rank.items() if r < rank[name]]
            Message.objects.filter(pk__in=ids, status__in=lower).update(status=name)


# A status outside the ranking (failed, received) has no position: the comparison is NULL and nothing moves.
_RANKED = "ARRAY[" + ", ".join(f"'{name}'" for name in sorted(Message.STATUS_RANK, key=Message.STATUS_RANK.get)) + "]"
_FORWARD_SQL = (
    f"UPDATE {Message._meta.db_table} AS m SET status = v.status "
    "FROM unnest(%s::bigint[], %s::text[]) AS v (id, status) "
    f"WHERE m.id = v.id AND array_position({_RANKED}, m.status::text) < array_position({_RANKED}, v.status)"
)


def _key(number: WhatsAppNumber, status: dict[str, Any]) -> tuple[int, str]:
    return number.client_id, str(status.get("id") or status.get("biz_opaque_callback_data") or "")


def _outbound_by_wamid(client_ids: list[int], wamids: list[str]) -> QuerySet[Message]:
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    return outbound.filter(client_id__any_of=client_ids, wamid__any_of=wamids)


# Every batch of statuses reads its messages; compiled once (core.compiled) instead of by the ORM each time.
_OUTBOUND_BY_WAMID = CompiledSelect(_outbound_by_wamid, [-1], ["placeholder:wamid"])


def _messages_for(items: list[StatusItem]) -> dict[tuple[int, str], Message]:
    """(client id, wamid or our uuid) → the outbound message: always within the number's client."""
    clients = sorted({number.client_id for number, _ in items})
    wamids = sorted({str(s["id"]) for _, s in items if s.get("id")})
    found = {(m.client_id, m.wamid): m for m in _OUTBOUND_BY_WAMID.all(clients, wamids)} if wamids else {}
    opaque: dict[uuid.UUID, str] = {}
    for number, status in items:
        if (number.client_id, str(status.get("id") or "")) in found:
            continue
        try:
            opaque[uuid.UUID(str(status.get("biz_opaque_callback_data")))] = str(status.get("id") or "")
        except ValueError:
            continue
    if opaque:  # rare (a status before the send returned): the ORM's read, built only then
        outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND, client_id__in=clients)
        for message in outbound.filter(uuid__in=list(opaque), wamid__isnull=True):
            key = opaque[message.uuid] or str(message.uuid)
            found[(message.client_id, key)] = message
    return found
