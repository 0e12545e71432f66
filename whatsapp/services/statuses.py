"""Apply Meta's delivery statuses to outbound messages without ever moving them backwards."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db.models import Q

from billing.services import usage_record_pricing
from tenants.models import WhatsAppNumber
from whatsapp.models import Message
from whatsapp.services.inbound import _timestamp
from whatsapp.services.outbound import count_accepted_message

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
    return message


def _advance_status(message: Message, name: str, status: dict[str, Any]) -> None:
    """Conditional UPDATEs so concurrent or reordered statuses only ever move forward."""
    rank = Message.STATUS_RANK
    if name == "failed":
        errors = status.get("errors") or [{}]
        err = errors[0] if isinstance(errors[0], dict) else {}
        Message.objects.filter(pk=message.pk).exclude(status__in=["delivered", "read"]).update(
            status=Message.Status.FAILED,
            error_code=str(err.get("code") or ""),
            error_title=str(err.get("title") or "")[:255],
            error_details=str((err.get("error_data") or {}).get("details") or err.get("message") or ""),
        )
        return
    if name not in rank:
        return
    lower = [s for s, r in rank.items() if r < rank[name]]
    Message.objects.filter(pk=message.pk).filter(Q(status__in=lower)).update(status=name)
