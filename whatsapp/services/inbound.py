"""Record what end customers send: contacts, conversations and inbound messages, idempotently."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core.queue import enqueue_on_commit
from tenants.models import WhatsAppNumber
from whatsapp.inbound_parsing import describe_inbound
from whatsapp.models import Contact, Conversation, Message
from whatsapp.payloads import as_object
from whatsapp.signals import inbound_message_recorded

logger = logging.getLogger(__name__)


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


def upsert_contact(*, number: WhatsAppNumber, wa_id: str, user_id: str = "", profile_name: str = "") -> Contact:
    lookup = {"wa_id": wa_id} if wa_id else {"user_id": user_id}
    contact, created = Contact.objects.get_or_create(
        client=number.client, **lookup, defaults={"user_id": user_id, "profile_name": profile_name}
    )
    changed = {
        k: v for k, v in (("profile_name", profile_name), ("user_id", user_id)) if v and getattr(contact, k) != v
    }
    if changed and not created:
        Contact.objects.filter(pk=contact.pk).update(**changed, updated_at=timezone.now())
        for k, v in changed.items():
            setattr(contact, k, v)
    return contact


def conversation_for(*, number: WhatsAppNumber, contact: Contact) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(
        number=number, contact=contact, defaults={"client": number.client}
    )
    return conversation


def record_inbound_message(
    *,
    number: WhatsAppNumber,
    message: dict[str, Any],
    contact_info: dict[str, Any] | None = None,
    known_new: bool = False,
) -> Message | None:
    """Store one inbound message; None when this wamid was already stored (Meta redelivers).

    Runs inside the caller's savepoint; the reply is scheduled on commit. The caller counts the message
    in usage (a batch counts all of its messages in one update per number). `known_new`: the caller
    looked the wamid up already (a batch does it for all of its messages at once). A delivery of the
    same wamid stored concurrently raises IntegrityError at the insert: the caller's savepoint undoes
    this message and the caller treats it as the duplicate it is.
    """
    wamid = str(message.get("id") or "")
    if not wamid:
        raise ValueError("inbound message without id")
    if not known_new and Message.objects.filter(wamid=wamid).exists():
        return None
    contact_info = as_object(contact_info)
    profile = as_object(contact_info.get("profile"))
    wa_id = str(message.get("from") or contact_info.get("wa_id") or "")
    user_id = str(message.get("from_user_id") or contact_info.get("user_id") or "")
    if not (wa_id or user_id):
        raise ValueError("inbound message without sender")
    contact = upsert_contact(
        number=number, wa_id=wa_id, user_id=user_id, profile_name=str(profile.get("name") or "")[:200]
    )
    conversation = conversation_for(number=number, contact=contact)
    sent_at = _timestamp(message.get("timestamp"))
    kind, text = describe_inbound(message)
    inbound = Message.objects.create(
        client=number.client,
        conversation=conversation,
        direction=Message.Direction.INBOUND,
        kind=kind,
        text=text,
        payload=message,
        wamid=wamid,
        status=Message.Status.RECEIVED,
        sent_at=sent_at,
    )
    now = timezone.now()
    # The window counts from the customer's message; deliveries can arrive out of order.
    later_than_known = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=sent_at)
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now,
        last_inbound_at=Case(When(later_than_known, then=Value(sent_at)), default=F("last_inbound_at")),
    )
    inbound_message_recorded.send(sender=Message, number=number, wa_id=wa_id, sent_at=sent_at)
    if kind != "reaction":
        enqueue_on_commit("whatsapp.answer_inbound_message", inbound.pk, countdown=settings.AI_REPLY_QUIET_SECONDS)
    return inbound
