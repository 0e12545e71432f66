"""Walk a stored webhook delivery: every entry, change, message and status, routed by number."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from tenants.models import WhatsAppNumber
from whatsapp.models import WebhookEvent
from whatsapp.payloads import as_object, as_objects
from whatsapp.services.account_events import FIELD_HANDLERS
from whatsapp.services.inbound import record_inbound_message
from whatsapp.services.statuses import apply_status_update

logger = logging.getLogger(__name__)

# Handlers for non-message fields (account_update, phone_number_quality_update, ...) live in
# whatsapp.services.account_events. Unhandled fields are stored and logged.


class MalformedPayload(ValueError):
    pass


def store_webhook_event(body: bytes) -> WebhookEvent:
    """Keep the raw delivery first; raises MalformedPayload (after storing it) for bad JSON."""
    text = body.decode("utf-8", errors="replace")
    try:
        payload = json.loads(text)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        WebhookEvent.objects.create(
            body=text, outcome=WebhookEvent.Outcome.FAILED, detail="malformed JSON", processed_at=timezone.now()
        )
        raise MalformedPayload("body is not a JSON object")
    changes = [c for e in as_objects(payload.get("entry")) for c in as_objects(e.get("changes"))]
    return WebhookEvent.objects.create(
        body=text,
        payload=payload,
        fields=sorted({str(c.get("field")) for c in changes}),
        phone_number_ids=sorted(
            {
                str(pnid)
                for c in changes
                if (pnid := as_object(as_object(c.get("value")).get("metadata")).get("phone_number_id"))
            }
        ),
    )


def process_webhook_event(event: WebhookEvent) -> WebhookEvent:
    """Apply every item of the delivery; each in its own savepoint so one bad item spoils nothing.

    Idempotent (messages by wamid, statuses only move forward), so the admin can reprocess.
    """
    notes: list[str] = []
    handled = failed = 0
    payload = event.payload or {}
    for entry in as_objects(payload.get("entry")):
        for change in as_objects(entry.get("changes")):
            field, value = str(change.get("field")), as_object(change.get("value"))
            if field != "messages":
                handler = FIELD_HANDLERS.get(field)
                notes.append(handler(entry, value) if handler else f"field {field} not handled")
                handled += bool(handler)
                continue
            ok, bad, note = _process_messages_change(value)
            handled, failed = handled + ok, failed + bad
            if note:
                notes.append(note)
    if failed:
        outcome = WebhookEvent.Outcome.PARTIAL if handled else WebhookEvent.Outcome.FAILED
    else:
        outcome = WebhookEvent.Outcome.PROCESSED if handled else WebhookEvent.Outcome.IGNORED
    event.outcome, event.detail, event.processed_at = outcome, "\n".join(notes)[:5000], timezone.now()
    event.save(update_fields=["outcome", "detail", "processed_at"])
    return event


def _process_messages_change(value: dict[str, Any]) -> tuple[int, int, str]:
    pnid = str(as_object(value.get("metadata")).get("phone_number_id") or "")
    number = WhatsAppNumber.objects.select_related("client").filter(phone_number_id=pnid).first() if pnid else None
    if number is None:
        logger.warning("webhook for unknown phone_number_id %r", pnid)
        return 0, 0, f"unknown phone_number_id {pnid!r}"
    contacts = {str(c.get("wa_id") or c.get("user_id")): c for c in as_objects(value.get("contacts"))}
    ok = bad = 0
    notes = []
    items = [("message", m) for m in as_objects(value.get("messages"))] + [
        ("status", s) for s in as_objects(value.get("statuses"))
    ]
    for kind, item in items:
        try:
            with transaction.atomic():
                if kind == "message":
                    sender = str(item.get("from") or item.get("from_user_id") or "")
                    record_inbound_message(number=number, message=item, contact_info=contacts.get(sender))
                else:
                    apply_status_update(number=number, status=item)
            ok += 1
        except Exception as exc:
            logger.exception("webhook %s for %s failed", kind, pnid)
            notes.append(f"{kind} {item.get('id')!r}: {exc}")
            bad += 1
    for error in as_objects(value.get("errors")):
        notes.append(f"error {error.get('code')}: {error.get('title') or error.get('message')}")
    return ok, bad, "\n".join(notes)
