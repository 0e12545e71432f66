"""A customer's personal data in the WhatsApp tables: erased on request, and aged out by a client's retention.

Colombia's Ley 1581 de 2012 (and the GDPR-style laws like it) let a customer ask for their data to be deleted.
Rows are kept and emptied rather than deleted: billing's ledger (`CountedMessage`) is keyed by the message,
and the month's counts and invoices must not change. What identifies the person (phone, BSUID, username,
name), what they and the business wrote, media files, Meta's raw copies in `WebhookEvent` and the message ids
Meta derives from the phone (wamid) are removed; times, directions, kinds, statuses and pricing stay.

This module writes only the WhatsApp app's tables (its one writer); `privacy.services` composes it with the
other apps' parts of an erasure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tenants.models import Client
from whatsapp.models import Contact, Conversation, CustomerRequest, Message, WebhookEvent

# Meta's copies of a message arrive within seconds of it; this margin also covers clocks and retries.
_WEBHOOK_LOOKBACK = timedelta(days=1)
_CHUNK = 500


@dataclass(frozen=True)
class Erasure:
    """What one erasure emptied (counts only: the audit entry must carry no personal data)."""

    contact_id: int
    conversations: int
    messages: int
    requests: int
    media_files: int
    webhook_events: int
    identifiers: tuple[str, ...]


def contact_identifiers(contact: Contact) -> tuple[str, ...]:
    """The strings that name this customer in Meta's JSON and in event bodies (phone, BSUIDs, username)."""
    return tuple(v for v in (contact.wa_id, contact.user_id, contact.parent_user_id, contact.username) if v)


def _delete_media(messages: Iterable[Message]) -> int:
    """Delete the stored files of these messages; a file already gone counts as deleted."""
    deleted = 0
    for message in messages:
        if message.media_file:
            message.media_file.storage.delete(message.media_file.name)
            deleted += 1
    return deleted


def contact_erase(*, client: Client, contact: Contact) -> Erasure:
    """Empty the contact and everything said in its conversations; idempotent (a second run finds nothing)."""
    identifiers = contact_identifiers(contact)
    names = [contact.profile_name] if contact.profile_name else []
    with transaction.atomic():
        contact = Contact.objects.for_client(client).select_for_update().get(pk=contact.pk)
        conversation_ids = list(
            Conversation.objects.for_client(client).filter(contact=contact).values_list("pk", flat=True)
        )
        messages = Message.objects.for_client(client).filter(conversation_id__in=conversation_ids)
        with_media = list(messages.exclude(media_file="").only("pk", "media_file"))
        emptied = messages.exclude(
            text="", payload={}, edits=[], error_details="", wamid__isnull=True, media_file=""
        ).update(text="", payload={}, edits=[], error_details="", wamid=None, media_file="")
        # A request's details are what the customer said (a name, a time, an address); kind and status stay.
        requests = (
            CustomerRequest.objects.for_client(client)
            .filter(contact=contact)
            .exclude(details=[])
            .update(details=[], updated_at=timezone.now())
        )
        # Nobody is left to answer: the assistant stays quiet, and no one is asked to step in.
        Conversation.objects.for_client(client).filter(pk__in=conversation_ids).update(
            owner=Conversation.Owner.HUMAN, needs_attention=False, handoff_reason="", next_step="", request_draft=None
        )
        # Another identity that "now writes as" this one, or the reverse, would link the two people.
        Contact.objects.for_client(client).filter(replaced_by=contact).update(replaced_by=None)
        Contact.objects.filter(pk=contact.pk).update(
            wa_id="",
            user_id="",
            parent_user_id="",
            username="",
            profile_name="",
            replaced_by=None,
            marketing_opted_out_at=None,
            erased_at=contact.erased_at or timezone.now(),
            updated_at=timezone.now(),
        )
        events = webhook_events_redact_customer(
            phone_number_ids=_phone_number_ids(client),
            identifiers=identifiers,
            names=names,
            since=contact.created_at - _WEBHOOK_LOOKBACK,
        )
    # Files are deleted last: a failure before this point leaves them, and a rollback after it only loses
    # files of a person who asked for them to go.
    media = _delete_media(with_media)
    return Erasure(contact.pk, len(conversation_ids), emptied, requests, media, events, identifiers)


def messages_expire(*, client: Client, older_than: datetime) -> tuple[int, int]:
    """Blank texts, payloads and media of the client's messages created before `older_than`.

    Returns (messages emptied, media files deleted). Identity and counts stay: this is the client's retention
    for what was said, not an erasure of who said it. The wamid stays so late status webhooks still apply.
    """
    old = Message.objects.for_client(client).filter(created_at__lt=older_than)
    with_media = list(old.exclude(media_file="").only("pk", "media_file"))
    emptied = old.exclude(text="", payload={}, edits=[], media_file="").update(
        text="", payload={}, edits=[], media_file=""
    )
    return emptied, _delete_media(with_media)


def webhook_events_expire(*, client: Client, older_than: datetime) -> int:
    """Take what customers wrote out of Meta's raw deliveries for the client's numbers older than `older_than`.

    The whole delivery's message contents go (a shared WABA's delivery may carry several clients' numbers:
    the raw copy is for debugging, the stored messages are the record). Returns how many were redacted.
    """
    phone_number_ids = _phone_number_ids(client)
    if not phone_number_ids:
        return 0
    mentions = Q()
    for phone_number_id in phone_number_ids:
        mentions |= Q(phone_number_ids__icontains=f'"{phone_number_id}"')
    events = WebhookEvent.objects.filter(mentions, received_at__lt=older_than, redacted_at__isnull=True).exclude(
        outcome=WebhookEvent.Outcome.RECEIVED
    )
    return _redact_events(events, _strip_message_contents)


def webhook_events_redact_customer(
    *, phone_number_ids: list[str], identifiers: Iterable[str], names: Iterable[str] = (), since: datetime
) -> int:
    """Remove one customer's messages, statuses and profile from Meta's raw deliveries since `since`."""
    identifiers = [i for i in identifiers if i]
    if not identifiers or not phone_number_ids:
        return 0
    # Matched as JSON strings ("573…"), so a short username never matches inside unrelated words.
    mentions = Q()
    for identifier in identifiers:
        mentions |= Q(body__contains=json.dumps(identifier))
    events = WebhookEvent.objects.filter(mentions, received_at__gte=since)
    secrets = [json.dumps(s, ensure_ascii=False) for s in [*identifiers, *(n for n in names if n)]]
    return _redact_events(events, lambda payload: _strip_customer(payload, set(identifiers)), must_not_contain=secrets)


def _redact_events(events, redact: Callable[[Any], Any], *, must_not_contain: Iterable[str] = ()) -> int:
    """Rewrite each event's body and payload through `redact`; a body still naming the person is blanked."""
    must_not_contain = [s for s in must_not_contain if s]
    now = timezone.now()
    count = 0
    for event in events.only("pk", "body", "payload").iterator(chunk_size=_CHUNK):
        try:
            payload = json.loads(event.body)
        except ValueError:
            payload = None
        redacted = redact(payload) if isinstance(payload, dict) else {}
        body = json.dumps(redacted, separators=(",", ":"), ensure_ascii=False)
        if any(secret in body for secret in must_not_contain):
            redacted, body = {"redacted": True}, '{"redacted":true}'
        WebhookEvent.objects.filter(pk=event.pk).update(body=body, payload=redacted, redacted_at=now)
        count += 1
    return count


def _values(payload: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for entry in payload.get("entry") or []:
        for change in (entry.get("changes") or []) if isinstance(entry, dict) else []:
            value = change.get("value") if isinstance(change, dict) else None
            if isinstance(value, dict):
                yield value


def _strip_customer(payload: dict[str, Any], identifiers: set[str]) -> dict[str, Any]:
    """Drop the customer's profile, messages and statuses from every change of a Meta delivery."""

    def names_them(item: Any, keys: tuple[str, ...]) -> bool:
        return isinstance(item, dict) and any(item.get(key) in identifiers for key in keys)

    for value in _values(payload):
        for field, keys in (
            ("contacts", ("wa_id", "user_id", "parent_user_id", "username")),
            ("messages", ("from", "from_user_id", "from_parent_user_id")),
            ("statuses", ("recipient_id", "recipient_user_id", "recipient_parent_user_id")),
        ):
            items = value.get(field)
            if isinstance(items, list):
                value[field] = [item for item in items if not names_them(item, keys)]
    return payload


def _strip_message_contents(payload: dict[str, Any]) -> dict[str, Any]:
    """Keep each message's id, sender, time and type; drop what it said (text, media, captions, locations)."""
    kept = ("id", "from", "from_user_id", "timestamp", "type")
    for value in _values(payload):
        messages = value.get("messages")
        if isinstance(messages, list):
            value["messages"] = [{k: m[k] for k in kept if k in m} for m in messages if isinstance(m, dict)]
    return payload


def _phone_number_ids(client: Client) -> list[str]:
    return [pnid for pnid in client.numbers.values_list("phone_number_id", flat=True) if pnid]
