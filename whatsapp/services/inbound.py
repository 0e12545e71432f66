"""Record what end customers send: contacts, conversations and inbound messages, idempotently."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from core import logcontext
from core.queue import enqueue_on_commit
from tenants.models import WhatsAppNumber
from whatsapp.identity import identity_from_inbound
from whatsapp.inbound_parsing import describe_inbound
from whatsapp.models import Conversation, Message
from whatsapp.services import customer_events
from whatsapp.services.contacts import contact_upsert, conversation_for
from whatsapp.services.media import MEDIA_KINDS
from whatsapp.signals import inbound_message_recorded

logger = logging.getLogger(__name__)


def _timestamp(value: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()


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
    identity = identity_from_inbound(message, contact_info)
    if not identity:
        raise ValueError("inbound message without sender")
    contact = contact_upsert(client=number.client, identity=identity)
    conversation = conversation_for(number=number, contact=contact)
    if customer_events.consume_event(conversation=conversation, message=message):
        return None  # an edit or a deletion of an earlier message: applied to it, nothing new to answer
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
    if kind == "system":
        customer_events.link_changed_number(contact=contact, message=message)
    now = timezone.now()
    # The window counts from the customer's message; deliveries can arrive out of order.
    later_than_known = Q(last_inbound_at__isnull=True) | Q(last_inbound_at__lt=sent_at)
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=now,
        last_inbound_at=Case(When(later_than_known, then=Value(sent_at)), default=F("last_inbound_at")),
    )
    inbound_recorded(inbound, number=number, wa_id=identity.key)
    return inbound


def inbound_recorded(inbound: Message, *, number: WhatsAppNumber, wa_id: str) -> None:
    """What follows a customer message stored for the first time, whichever way it was stored (here, or a
    batch's one statement in whatsapp.services.inbound_batch): observers told, its media fetched, its reply
    scheduled — the tasks once the transaction commits."""
    with logcontext.bind(client_id=number.client_id, phone_number_id=number.phone_number_id, wamid=inbound.wamid):
        logger.info("customer message %s stored", inbound.pk)
        _announce_inbound(inbound, number=number, wa_id=wa_id)


def _announce_inbound(inbound: Message, *, number: WhatsAppNumber, wa_id: str) -> None:
    inbound_message_recorded.send(sender=Message, number=number, wa_id=wa_id, sent_at=inbound.sent_at, message=inbound)
    if inbound.kind in MEDIA_KINDS:
        enqueue_on_commit("whatsapp.download_media", inbound.pk)  # its own retryable task: never in the way
    if inbound.kind != "reaction":
        enqueue_on_commit("whatsapp.answer_inbound_message", inbound.pk, countdown=settings.AI_REPLY_QUIET_SECONDS)
