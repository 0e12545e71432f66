"""Message templates of a WABA: create, review (PENDING → APPROVED after a moment), list, and checks on send."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox.delivery import post_later
from sandbox.meta import MetaError, account_envelope, new_numeric_id
from sandbox.models import SandboxBusinessAccount, SandboxTemplate

REVIEW_TIME = timedelta(seconds=2)
CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
STATUSES = ("APPROVED", "REJECTED", "PENDING", "PAUSED", "DISABLED", "FLAGGED", "REINSTATED", "IN_APPEAL")
NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")
PLACEHOLDER_RE = re.compile(r"\{\{\s*([a-z0-9_]+)\s*\}\}")
# Magic (docs/sandbox.md): a new template whose name contains this is rejected on review.
REJECTED_MARKER = "reject"

HELLO_WORLD = [
    {"type": "HEADER", "format": "TEXT", "text": "Hello World"},
    {
        "type": "BODY",
        "text": "Welcome and congratulations!! This message demonstrates your ability to send a WhatsApp "
        "message notification from the Cloud API, hosted by Meta. Thank you for taking the time to test with us.",
    },
    {"type": "FOOTER", "text": "WhatsApp Business Platform sample message"},
]


def ensure_defaults(account: SandboxBusinessAccount) -> None:
    """Every new WABA comes with Meta's approved `hello_world` sample."""
    SandboxTemplate.objects.get_or_create(
        account=account,
        name="hello_world",
        language="en_US",
        defaults={
            "template_id": new_numeric_id(),
            "category": "UTILITY",
            "status": "APPROVED",
            "components": HELLO_WORLD,
        },
    )


def _check_components(components: Any) -> None:
    if not isinstance(components, list) or not all(isinstance(c, dict) for c in components):
        raise MetaError(100, "components must be a list of objects")
    bodies = [c for c in components if str(c.get("type", "")).upper() == "BODY"]
    if len(bodies) != 1 or not str(bodies[0].get("text") or "").strip():
        raise MetaError(100, "components must hold exactly one BODY with text")
    if len(str(bodies[0]["text"])) > 1024:
        raise MetaError(100, "The BODY text may be at most 1024 characters")


def create(*, account: SandboxBusinessAccount, body: dict[str, Any]) -> SandboxTemplate:
    name, language = str(body.get("name") or ""), str(body.get("language") or "")
    category = str(body.get("category") or "").upper()
    if not NAME_RE.match(name):
        raise MetaError(100, "name must be lowercase letters, digits and underscores")
    if not language:
        raise MetaError(100, "language is required")
    if category not in CATEGORIES:
        raise MetaError(100, f"category must be one of {', '.join(CATEGORIES)}")
    _check_components(body.get("components"))
    ensure_defaults(account)
    try:
        with transaction.atomic():
            template = SandboxTemplate.objects.create(
                account=account,
                template_id=new_numeric_id(),
                name=name,
                language=language,
                category=category,
                components=body["components"],
            )
    except IntegrityError as exc:
        raise MetaError(
            100, f"{name} already exists in {language}", message="Content in this language already exists"
        ) from exc
    if settings.SANDBOX_STATUS_WEBHOOKS:
        post_later([(REVIEW_TIME.total_seconds(), None, lambda: settle(template))])
    return template


def _status_webhook(template: SandboxTemplate) -> dict[str, Any]:
    return account_envelope(
        template.account.waba_id,
        "message_template_status_update",
        {
            "event": template.status,
            "message_template_id": int(template.template_id),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "reason": template.rejected_reason,
        },
    )


def settle(template: SandboxTemplate, *, notify: bool = True) -> SandboxTemplate:
    """Finish Meta's review of a PENDING template once its review time has passed (once only)."""
    if template.status != "PENDING" or timezone.now() - template.created_at < REVIEW_TIME:
        return template
    rejected = REJECTED_MARKER in template.name
    status, reason = ("REJECTED", "INVALID_FORMAT") if rejected else ("APPROVED", "NONE")
    changed = SandboxTemplate.objects.filter(pk=template.pk, status="PENDING").update(
        status=status, rejected_reason=reason
    )
    template.refresh_from_db()
    if changed and notify and settings.SANDBOX_STATUS_WEBHOOKS:
        post_later([(0.0, _status_webhook(template), None)])
    return template


def set_status(*, template: SandboxTemplate, status: str, reason: str = "NONE") -> SandboxTemplate:
    """The sandbox API's shortcut for Meta's review or a later pause/disable; posts the webhook."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    template.status, template.rejected_reason = status, reason or "NONE"
    template.save(update_fields=["status", "rejected_reason"])
    if settings.SANDBOX_STATUS_WEBHOOKS:
        post_later([(0.0, _status_webhook(template), None)])
    return template


def as_graph(template: SandboxTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "language": template.language,
        "status": template.status,
        "category": template.category,
        "components": template.components,
        "id": template.template_id,
    }


def list_for_api(*, account: SandboxBusinessAccount, filters: Any) -> dict[str, Any]:
    ensure_defaults(account)
    templates = account.templates.order_by("name", "language")
    for field in ("name", "language", "status", "category"):
        if filters.get(field):
            templates = templates.filter(**{field: filters[field]})
    return {
        "data": [as_graph(settle(t, notify=True)) for t in templates],
        "paging": {"cursors": {"before": "", "after": ""}},
    }


def delete(*, account: SandboxBusinessAccount, name: str) -> None:
    deleted, _ = account.templates.filter(name=name).delete()
    if not deleted:
        raise MetaError(100, f"No template named {name!r}")


def check_send(*, account: SandboxBusinessAccount, template: Any) -> SandboxTemplate:
    """A template send names an APPROVED template in that language with the right parameter count."""
    if not isinstance(template, dict) or not template.get("name"):
        raise MetaError(100, "template.name is required")
    language = (template.get("language") or {}).get("code") if isinstance(template.get("language"), dict) else None
    if not language:
        raise MetaError(100, "template.language.code is required")
    ensure_defaults(account)
    found = account.templates.filter(name=str(template["name"]), language=str(language)).first()
    found = settle(found) if found else None
    if found is None or found.status in ("PENDING", "REJECTED"):
        raise MetaError(132001, f"template name ({template['name']}) does not exist in {language}", http_status=404)
    if found.status == "PAUSED":
        raise MetaError(132015, f"Template {found.name} is paused")
    if found.status == "DISABLED":
        raise MetaError(132016, f"Template {found.name} is disabled")
    if found.status not in ("APPROVED", "REINSTATED"):
        raise MetaError(132001, f"Template {found.name} is {found.status}", http_status=404)
    _check_parameters(found, template.get("components") or [])
    return found


def _check_parameters(found: SandboxTemplate, components: Any) -> None:
    body_text = next((str(c.get("text", "")) for c in found.components if str(c.get("type")).upper() == "BODY"), "")
    expected = len(set(PLACEHOLDER_RE.findall(body_text)))
    given = 0
    for component in components if isinstance(components, list) else []:
        if isinstance(component, dict) and component.get("type") == "body":
            parameters = component.get("parameters")
            given = len(parameters) if isinstance(parameters, list) else 0
    if expected != given:
        raise MetaError(132000, f"body expects {expected} parameters, got {given}")
