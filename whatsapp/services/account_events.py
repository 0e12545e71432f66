"""What Meta tells us about accounts and numbers outside messages (`account_update`, `account_alerts`, name and
quality updates).

Each handler gets the webhook entry (its `id` is the WABA id) and the change's `value`, reads what Meta says,
has `tenants.services` record it on the numbers it names, and returns a short note kept on the WebhookEvent.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from tenants import services as tenant_services
from tenants.models import WhatsAppNumber
from whatsapp.identity import CustomerIdentity, identity_from_contact
from whatsapp.models import Contact
from whatsapp.payloads import as_object, as_objects
from whatsapp.services import message_templates
from whatsapp.services.contacts import contacts_upsert

# account_update events that end our access to the client's account.
DISCONNECTING_EVENTS = {"PARTNER_REMOVED", "ACCOUNT_DELETED", "PARTNER_APP_UNINSTALLED", "ACCOUNT_OFFBOARDED"}
# Events worth a note on the numbers, for the operator to follow up.
NOTED_EVENTS = {"ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION", "DISABLED_UPDATE", "ACCOUNT_RECONNECTED", "PARTNER_ADDED"}
# Of those, the ones someone must act on: also kept as an alert, shown to the account's owner with a next step.
ALERTING_EVENTS = {"ACCOUNT_RESTRICTION", "ACCOUNT_VIOLATION", "DISABLED_UPDATE"}
# `ban_info.waba_ban_state` of a DISABLED_UPDATE that gives the account back.
REINSTATED_BAN_STATES = {"REINSTATE", "SCHEDULE_FOR_DISABLE_CANCELLED"}


def _numbers_by_display(value: dict[str, Any]) -> QuerySet[WhatsAppNumber]:
    digits = "".join(ch for ch in str(value.get("display_phone_number") or "") if ch.isdigit())
    return WhatsAppNumber.objects.filter(phone_number=f"+{digits}") if digits else WhatsAppNumber.objects.none()


def handle_account_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    event = str(value.get("event") or "")
    waba_id = str(as_object(value.get("waba_info")).get("waba_id") or entry.get("id") or "")
    numbers = WhatsAppNumber.objects.filter(waba_id=waba_id) if waba_id else WhatsAppNumber.objects.none()
    if event in DISCONNECTING_EVENTS:
        reason = as_object(value.get("disconnection_info")).get("reason") or event
        count = tenant_services.numbers_disconnect(numbers=numbers, reason=f"Meta {event}: {reason}")
        return f"account_update {event}: {count} number(s) of WABA {waba_id} disconnected"
    if event in NOTED_EVENTS:
        info = value.get("restriction_info") or value.get("violation_info") or value.get("ban_info") or ""
        count = tenant_services.numbers_note(numbers=numbers, reason=f"Meta {event} {info}".strip())
        alerts = _account_update_alert(waba_id=waba_id, event=event, value=value) if event in ALERTING_EVENTS else 0
        return f"account_update {event}: noted on {count} number(s) of WABA {waba_id}, {alerts} alert(s) kept"
    return f"account_update {event or 'without event'} for WABA {waba_id}: nothing to do"


def _alert_targets(*, waba_id: str, entity_type: str, entity_id: str) -> list[tuple[int | None, WhatsAppNumber | None]]:
    """Whose alert it is: the client of the number it names, else every client with a number in that WABA; the
    operator's own portfolio (the shared WABA of hosted numbers) belongs to nobody but the operator (None)."""
    if entity_type == "PHONE_NUMBER" and entity_id:
        number = WhatsAppNumber.objects.filter(phone_number_id=entity_id).first()
        if number is not None:
            return [(number.client_id, number)]
    if waba_id and waba_id == settings.WHATSAPP_BUSINESS_ACCOUNT_ID:
        return [(None, None)]
    client_ids = WhatsAppNumber.objects.filter(waba_id=waba_id).values_list("client_id", flat=True).distinct()
    return [(client_id, None) for client_id in sorted(set(client_ids))] if waba_id else []


def _record_alerts(*, waba_id: str, entity_type: str, entity_id: str, **fields: Any) -> int:
    targets = _alert_targets(waba_id=waba_id, entity_type=entity_type, entity_id=entity_id)
    for client_id, number in targets:
        tenant_services.account_alert_record(
            client_id=client_id, number=number, waba_id=waba_id, entity_type=entity_type, entity_id=entity_id, **fields
        )
    return len(targets)


def handle_account_alerts(entry: dict[str, Any], value: dict[str, Any]) -> str:
    """Meta's `account_alerts`: a messaging-limit increase deferred, refused or needing information, an official
    business badge granted or refused, a profile photo lost. Kept per WABA and number for whoever owns it (see
    `tenants.models.AccountAlert`), with Meta's whole `value`; `alert_status: NONE` settles the alert."""
    waba_id = str(entry.get("id") or "")[:64]
    info = as_object(value.get("alert_info"))
    alert_type = str(info.get("alert_type") or "")[:80]
    if not waba_id or not alert_type:
        return f"account_alerts for WABA {waba_id or '?'} without an alert type: kept, nothing to do"
    entity_type, entity_id = str(value.get("entity_type") or "")[:40], str(value.get("entity_id") or "")[:64]
    status = str(info.get("alert_status") or "ACTIVE").upper()
    count = _record_alerts(
        waba_id=waba_id,
        entity_type=entity_type,
        entity_id=entity_id,
        alert_type=alert_type,
        severity=str(info.get("alert_severity") or "").upper(),
        active=status != "NONE",
        description=str(info.get("alert_description") or ""),
        payload=value,
    )
    if not count:
        return f"account_alerts {alert_type} for unknown WABA {waba_id}: kept, nothing to do"
    return f"account_alerts {alert_type} ({status}) on {entity_type or '?'} {entity_id}: {count} alert(s) kept"


def _account_update_alert(*, waba_id: str, event: str, value: dict[str, Any]) -> int:
    """A restriction, a policy violation or a disabled account, kept as an alert like `account_alerts`.
    An empty restriction list or a reinstated ban settles it."""
    info = value.get("restriction_info") or value.get("violation_info") or as_object(value.get("ban_info"))
    active = bool(info)
    if event == "DISABLED_UPDATE":
        active = str(as_object(value.get("ban_info")).get("waba_ban_state") or "").upper() not in REINSTATED_BAN_STATES
    described = value.get("violation_info") or value.get("restriction_info") or value.get("ban_info") or ""
    return _record_alerts(
        waba_id=waba_id,
        entity_type="WABA",
        entity_id=waba_id,
        alert_type=event,
        severity="CRITICAL",
        active=active,
        description=str(described)[:2000],
        payload=value,
    )


def handle_name_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    decision = str(value.get("decision") or value.get("name_status") or "")
    fields: dict[str, str] = {"name_status": decision}
    if decision == "REJECTED":
        fields["failure_code"] = "display_name_rejected"
        fields["status_reason"] = f"Display name rejected: {value.get('rejection_reason') or 'no reason given'}"
    elif decision == "APPROVED" and value.get("requested_verified_name"):
        fields["display_name"] = str(value["requested_verified_name"])
    count = tenant_services.numbers_record_health(numbers=_numbers_by_display(value), **fields)
    return f"phone_number_name_update {decision}: {count} number(s) of {value.get('display_phone_number')}"


def handle_quality_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    limit = value.get("current_limit") or value.get("max_daily_conversations_per_business") or ""
    fields: dict[str, str] = {"messaging_limit": str(limit)}
    if value.get("quality_rating") or value.get("new_quality_score"):
        fields["quality_rating"] = str(value.get("quality_rating") or value.get("new_quality_score"))
    elif value.get("event") == "FLAGGED":
        fields["quality_rating"] = "RED"
    elif value.get("event") == "UNFLAGGED":
        fields["quality_rating"] = "GREEN"
    count = tenant_services.numbers_record_health(numbers=_numbers_by_display(value), **fields)
    return f"phone_number_quality_update {value.get('event')}: {count} number(s), limit {limit or 'unchanged'}"


def handle_business_capability_update(entry: dict[str, Any], value: dict[str, Any]) -> str:
    """The portfolio's messaging limit changed (`max_daily_conversations_per_business`: 250, 2000, 10000,
    100000, or -1 for unlimited); every number of the WABA (`entry.id`) shares it."""
    waba_id = str(entry.get("id") or "")
    limit = value.get("max_daily_conversations_per_business")
    if limit is None or not waba_id:
        return f"business_capability_update for WABA {waba_id or '?'}: no messaging limit in it"
    text = "unlimited" if str(limit) == "-1" else f"{limit} customers a day"
    numbers = WhatsAppNumber.objects.filter(waba_id=waba_id)
    count = tenant_services.numbers_record_health(numbers=numbers, messaging_limit=text[:60])
    return f"business_capability_update: limit {text} on {count} number(s) of WABA {waba_id}"


def handle_user_preferences(entry: dict[str, Any], value: dict[str, Any]) -> str:
    """A customer stopped (or resumed) marketing messages from the business (`user_preferences`, category
    `marketing_messages`): kept on the contact, so people see it and no marketing template is sent (Meta
    would refuse it with 131050). Routed by `metadata.phone_number_id` like messages."""
    pnid = str(as_object(value.get("metadata")).get("phone_number_id") or "")
    number = WhatsAppNumber.objects.filter(phone_number_id=pnid).first() if pnid else None
    if number is None:
        return f"user_preferences for unknown phone_number_id {pnid!r}"
    contacts = [identity_from_contact(c) for c in as_objects(value.get("contacts"))]
    changed = 0
    for index, item in enumerate(as_objects(value.get("user_preferences"))):
        if str(item.get("category") or "") != "marketing_messages":
            continue
        known = contacts[index] if index < len(contacts) else CustomerIdentity()
        wa_id = "".join(ch for ch in str(item.get("wa_id") or known.wa_id) if ch.isdigit())
        identity = CustomerIdentity(
            wa_id=wa_id, user_id=str(item.get("user_id") or known.user_id), profile_name=known.profile_name
        )
        if not identity:
            continue
        contact = contacts_upsert(client=number.client_id, identities=[identity])[identity.key]
        stop = str(item.get("value") or "").lower() == "stop"
        Contact.objects.filter(pk=contact.pk).update(
            marketing_opted_out_at=(contact.marketing_opted_out_at or timezone.now()) if stop else None
        )
        changed += 1
    return f"user_preferences: marketing preference of {changed} contact(s) recorded"


# The non-message fields of a webhook this module understands; whatsapp.services.webhooks routes by them.
FIELD_HANDLERS = {
    "account_update": handle_account_update,
    "account_alerts": handle_account_alerts,
    "phone_number_name_update": handle_name_update,
    "phone_number_quality_update": handle_quality_update,
    "user_preferences": handle_user_preferences,
    "business_capability_update": handle_business_capability_update,
    "message_template_status_update": message_templates.handle_status_update,
    "message_template_quality_update": message_templates.handle_quality_update,
    "template_category_update": message_templates.handle_category_update,
}
