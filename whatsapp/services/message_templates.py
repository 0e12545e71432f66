"""Message templates as local rows (whatsapp.models.MessageTemplate), kept in step with Meta two ways:

- a sync per WABA (`GET /{waba-id}/message_templates`, every page), run by the six-hourly health sync for every
  WABA with an active number, and on demand (task `whatsapp.sync_templates`, queued when a number goes live);
- Meta's template webhooks, applied as they come: `message_template_status_update` (APPROVED, REJECTED,
  PAUSED, DISABLED…), `message_template_quality_update` and `template_category_update`.

Pages and the API read the rows (whatsapp.selectors: `approved_templates`, `template_category`); nothing here runs
inside a request.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from tenants.models import WhatsAppNumber
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError
from whatsapp.models import MessageTemplate
from whatsapp.payloads import as_object, as_objects

logger = logging.getLogger(__name__)

MAX_PAGES = 20  # 250 templates a WABA at most, 100 a page: a loop guard, not a limit


def templates_sync(*, waba_id: str, token: str) -> int:
    """Replace the WABA's rows with what Meta lists now; returns how many templates it has. Graph errors are
    logged and change nothing (the next run tries again)."""
    client = GraphClient(token)
    seen: list[dict[str, Any]] = []
    after = ""
    try:
        for _ in range(MAX_PAGES):
            filters = {"limit": "100", **({"after": after} if after else {})}
            page = client.list_templates(waba_id, **filters)
            seen += [t for t in as_objects(page.get("data")) if t.get("name") and t.get("language")]
            paging = as_object(page.get("paging"))
            after = str(as_object(paging.get("cursors")).get("after") or "")
            if not paging.get("next") or not after:
                break
    except GraphError as exc:
        logger.warning("template sync of WABA %s failed: %s", waba_id, exc)
        return -1
    now = timezone.now()
    keep = []
    for item in seen:
        row, _ = MessageTemplate.objects.update_or_create(
            waba_id=waba_id,
            name=str(item["name"])[:512],
            language=str(item["language"])[:15],
            defaults={
                "template_id": str(item.get("id") or "")[:64],
                "category": str(item.get("category") or "").lower()[:30],
                "status": str(item.get("status") or "").upper()[:30],
                "quality_score": str(as_object(item.get("quality_score")).get("score") or "")[:20],
                "reason": str(item.get("rejected_reason") or "")[:200],
                "components": item.get("components") if isinstance(item.get("components"), list) else [],
                "synced_at": now,
            },
        )
        keep.append(row.pk)
    MessageTemplate.objects.filter(waba_id=waba_id).exclude(pk__in=keep).delete()  # deleted at Meta
    return len(keep)


def templates_sync_for_number(*, number_id: int) -> int:
    number = WhatsAppNumber.objects.filter(pk=number_id).first()
    if number is None or not number.waba_id:
        return -1
    return templates_sync(waba_id=number.waba_id, token=number.access_token)


def templates_sync_all() -> int:
    """Every WABA with an active number, once, with one of its numbers' tokens; returns WABAs synced."""
    tokens: dict[str, str] = {}
    for number in WhatsAppNumber.objects.filter(status=WhatsAppNumber.Status.ACTIVE).exclude(waba_id=""):
        tokens.setdefault(number.waba_id, number.access_token)
    return sum(templates_sync(waba_id=waba_id, token=token) >= 0 for waba_id, token in tokens.items())


# --- Meta's template webhooks (whatsapp.services.account_events routes them here) --------------------------
def _row_for(entry: dict[str, Any], value: dict[str, Any]) -> MessageTemplate | None:
    waba_id = str(entry.get("id") or "")
    name, language = str(value.get("message_template_name") or ""), str(value.get("message_template_language") or "")
    if not waba_id or not name or not language:
        return None
    row, _ = MessageTemplate.objects.get_or_create(
        waba_id=waba_id,
        name=name[:512],
        language=language[:15],
        defaults={"template_id": str(value.get("message_template_id") or "")[:64]},
    )
    return row


def handle_status_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    row = _row_for(entry, value)
    event = str(value.get("event") or "").upper()
    if row is None or not event:
        return "message_template_status_update without template or event: nothing to do"
    fields: dict[str, Any] = {"status": event[:30], "reason": str(value.get("reason") or "")[:200]}
    if value.get("message_template_category"):
        fields["category"] = str(value["message_template_category"]).lower()[:30]
    MessageTemplate.objects.filter(pk=row.pk).update(**fields, updated_at=timezone.now())
    return f"template {row.name} [{row.language}] of WABA {row.waba_id}: {event}"


def handle_quality_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    row = _row_for(entry, value)
    score = str(value.get("new_quality_score") or "").upper()
    if row is None or not score:
        return "message_template_quality_update without template or score: nothing to do"
    MessageTemplate.objects.filter(pk=row.pk).update(quality_score=score[:20], updated_at=timezone.now())
    return f"template {row.name} [{row.language}] quality {score}"


def handle_category_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    row = _row_for(entry, value)
    category = str(value.get("new_category") or "").lower()
    if row is None or not category:
        return "template_category_update without template or category: nothing to do"
    MessageTemplate.objects.filter(pk=row.pk).update(category=category[:30], updated_at=timezone.now())
    return f"template {row.name} [{row.language}] is now {category}"
