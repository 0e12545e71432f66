"""A customer's personal data across the apps: export it, erase it, and age it out by the client's retention.

Colombia's Ley 1581 de 2012 (habeas data) gives a customer the right to know what a business holds about them
and to have it deleted; the same holds under similar laws. Each app empties its own tables (one writer per
table) and this module puts the parts together:

- `whatsapp.services.personal_data`: the contact, its conversations' messages and media, Meta's raw deliveries;
- `integrations.services`: event bodies sent (or still to send) to the client's webhook endpoints;
- `audit.services`: the trail about the contact keeps who did what, without naming the person.

Billing keeps its ledger and counters untouched: they hold counts, times and a country code, nobody's identity.
Every export, erasure and retention run is itself an audit entry, carrying counts only.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record, audit_redact_objects
from integrations.services import deliveries_expire, deliveries_redact_contact
from privacy.export import contact_export_data
from tenants.models import Client
from tenants.selectors import clients_with_message_retention
from whatsapp.selectors import contact_conversations, contact_get, customer_request_list
from whatsapp.services import personal_data

logger = logging.getLogger(__name__)


def _contact_label(contact_id: int) -> str:
    return f"contact #{contact_id}"


def contact_export(*, client: Client, contact_id: int) -> dict[str, Any]:
    """Everything the product holds about one of the client's contacts, as JSON-ready data; audited."""
    contact = contact_get(client=client, contact_id=contact_id)
    data = contact_export_data(client=client, contact=contact)
    audit_record(
        action="contact.exported",
        client=client,
        obj=contact,
        object_repr=_contact_label(contact.pk),
        after={"conversations": len(data["conversations"]), "messages": data["message_count"]},
    )
    return data


def contact_erase(*, client: Client, contact_id: int, reason: str = "") -> dict[str, Any]:
    """Erase one contact's personal data everywhere it is kept (see the module docstring); audited.

    Idempotent: erasing an erased contact finds nothing more to empty. Returns what was emptied (counts).
    """
    contact = contact_get(client=client, contact_id=contact_id)
    conversation_ids = list(contact_conversations(client=client, contact=contact).values_list("pk", flat=True))
    request_ids = list(customer_request_list(client=client).filter(contact_id=contact.pk).values_list("pk", flat=True))
    names = [contact.profile_name] if contact.profile_name else []
    with transaction.atomic():
        erasure = personal_data.contact_erase(client=client, contact=contact)
        identifiers = list(erasure.identifiers)
        deliveries = deliveries_redact_contact(client=client, contact_id=contact.pk, identifiers=identifiers)
        audit_entries = audit_redact_objects(
            client=client,
            objects=[
                ("whatsapp.contact", contact.pk),
                *(("whatsapp.conversation", pk) for pk in conversation_ids),
                *(("whatsapp.customerrequest", pk) for pk in request_ids),
            ],
            secrets=names,
            identifiers=identifiers,
            label=_contact_label(contact.pk),
        )
        summary = {
            **{k: v for k, v in asdict(erasure).items() if k != "identifiers"},
            "webhook_deliveries": deliveries,
            "audit_entries": audit_entries,
        }
        audit_record(
            action="contact.erased",
            client=client,
            obj=contact,
            object_repr=_contact_label(contact.pk),
            after={**summary, "reason": reason[:500]} if reason else summary,
        )
    contact.refresh_from_db(fields=["erased_at"])
    return {**summary, "erased_at": contact.erased_at}


def client_retention_apply(*, client: Client, now: datetime | None = None) -> dict[str, int] | None:
    """Blank what the client's retention says is too old: message texts and media, raw and sent copies.

    None when the client keeps everything. Audited (as the system) when anything was emptied.
    """
    days = client.message_retention_days
    if not days:
        return None
    cutoff = (now or timezone.now()) - timedelta(days=days)
    with transaction.atomic():
        messages, media = personal_data.messages_expire(client=client, older_than=cutoff)
        events = personal_data.webhook_events_expire(client=client, older_than=cutoff)
        deliveries = deliveries_expire(client=client, older_than=cutoff)
        counts = {
            "messages": messages,
            "media_files": media,
            "webhook_events": events,
            "webhook_deliveries": deliveries,
        }
        if any(counts.values()):
            audit_record(
                action="client.message_retention.applied",
                client=client,
                obj=client,
                actor=None,
                after={**counts, "retention_days": days, "older_than": cutoff.isoformat()},
            )
    return counts


def retention_enforce(*, now: datetime | None = None) -> dict[int, dict[str, int]]:
    """Apply every client's retention (the nightly `privacy.enforce_retention`); one client's failure is logged
    and the others go on. Returns what was emptied per client id."""
    done: dict[int, dict[str, int]] = {}
    for client in clients_with_message_retention():
        try:
            counts = client_retention_apply(client=client, now=now)
        except Exception:  # one client's trouble must not keep the others' data past their retention
            logger.exception("message retention failed for client %s", client.pk)
            continue
        if counts is not None:
            done[client.pk] = counts
    return done
