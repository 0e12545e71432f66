"""Record outbound messages before sending them, send them once, and count them once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.services import record_outbound_usage
from whatsapp.client import GraphClient
from whatsapp.errors import AuthenticationError, GraphError, WindowClosedError
from whatsapp.models import Conversation, Message

logger = logging.getLogger(__name__)


def record_outbound_message(
    *,
    conversation: Conversation,
    text: str = "",
    kind: str = "text",
    payload: dict[str, Any] | None = None,
    sent_by: str = Message.SentBy.AI,
    reply_to: Message | None = None,
    user=None,
) -> Message:
    """Create the pending outbound row and enqueue its send when the transaction commits."""
    message = Message.objects.create(
        client_id=conversation.client_id,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=kind,
        text=text,
        payload=payload or {},
        status=Message.Status.PENDING,
        sent_by=sent_by,
        sent_by_user=user,
        reply_to=reply_to,
    )
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    transaction.on_commit(lambda: _enqueue_send(message.pk))
    return message


def _enqueue_send(message_id: int) -> None:
    from whatsapp.tasks import send_outbound_message

    send_outbound_message.delay(message_id)


def graph_body(message: Message) -> dict[str, Any]:
    """The type-specific part of the Graph request for a recorded message."""
    if message.kind == "text":
        return {"type": "text", "text": {"body": message.text, "preview_url": False}}
    # Templates, interactive and media messages keep their Graph object in `payload`.
    return {"type": message.kind, message.kind: message.payload}


@dataclass
class SendOutcome:
    sent: bool
    retry: bool = False
    error: GraphError | None = None


def claim_for_sending(message_id: int) -> Message | None:
    """Move pending → sending atomically; None if another run has it or it left pending already."""
    claimed = Message.objects.filter(pk=message_id, status=Message.Status.PENDING).update(status=Message.Status.SENDING)
    if not claimed:
        return None
    return Message.objects.select_related("conversation__number__client", "conversation__contact").get(pk=message_id)


def send_claimed_message(message: Message) -> SendOutcome:
    """Call the Graph API for a message in `sending`. Only this function talks to Meta for sends."""
    conversation = message.conversation
    number = conversation.number
    Message.objects.filter(pk=message.pk).update(attempts=message.attempts + 1)
    to = conversation.contact.phone_number or conversation.contact.user_id
    try:
        response = GraphClient.for_number(number).send_message(
            number.phone_number_id, to, graph_body(message), biz_opaque_callback_data=str(message.uuid)
        )
    except GraphError as error:
        if error.transient:
            # Back to pending so the retry can claim it again.
            Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(status=Message.Status.PENDING)
            return SendOutcome(sent=False, retry=True, error=error)
        mark_failed(message.pk, error)
        return SendOutcome(sent=False, error=error)
    wamid = ((response.get("messages") or [{}])[0]).get("id")
    with transaction.atomic():
        Message.objects.filter(pk=message.pk, wamid__isnull=True).update(wamid=wamid)
        Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(
            status=Message.Status.SENT, sent_at=timezone.now()
        )
        count_accepted_message(message.pk)
    return SendOutcome(sent=True)


def mark_failed(message_id: int, error: GraphError) -> None:
    Message.objects.filter(pk=message_id).exclude(status__in=["sent", "delivered", "read"]).update(
        status=Message.Status.FAILED,
        failed_at=timezone.now(),
        error_code=str(error.code or error.http_status or ""),
        error_title=(error.title or error.message)[:255],
        error_details=error.details or error.message,
    )
    if isinstance(error, (WindowClosedError, AuthenticationError)):
        logger.warning("message %s failed for a reason people must act on: %s", message_id, error)


def count_accepted_message(message_id: int) -> bool:
    """Count an accepted outbound message against usage exactly once, whichever path sees it first."""
    with transaction.atomic():
        first = Message.objects.filter(pk=message_id, usage_counted=False).update(usage_counted=True)
        if not first:
            return False
        message = Message.objects.select_related("conversation__number").get(pk=message_id)
        record_outbound_usage(message=message)
    return True
