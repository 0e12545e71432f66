"""Record outbound messages before sending them, send them once, and count them once."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from billing.services import record_outbound_usage
from billing.usage_sql import after_outbound_count, outbound_count
from core import logcontext, metrics
from core.prepared import prepared_cursor
from core.queue import enqueue, enqueue_on_commit
from whatsapp.client import GraphClient
from whatsapp.errors import AuthenticationError, GraphError, GraphTimeoutError, WindowClosedError
from whatsapp.models import Conversation, Message
from whatsapp.pacing import backoff_with_jitter
from whatsapp.services.customer_events import note_send_failure
from whatsapp.signals import outbound_message_sent

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
    send_after_commit: bool = True,
) -> Message:
    """Create the pending outbound row and enqueue its send when the transaction commits.

    The AI's reply passes `send_after_commit=False`: the task that wrote it sends it itself, one hop.
    """
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
    if send_after_commit:
        enqueue_on_commit("whatsapp.send_outbound_message", message.pk)
    return message


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
    retry_in: float = 0.0  # with `retry`: seconds until the message is due again (its next_attempt_at)


def claim_for_sending(message_id: int, *, loaded: Message | None = None) -> Message | None:
    """Move pending → sending atomically, counting the attempt; None if another run has it or it left pending.

    `loaded`: the caller holds the message with its conversation, number, client and contact (the reply
    task that just wrote it), so it is not read again.
    """
    with prepared_cursor() as cursor:  # as QuerySet.update would, without building it for every message
        cursor.execute(
            f"UPDATE {Message._meta.db_table} SET status = %s, attempts = attempts + 1 WHERE id = %s AND status = %s",
            [Message.Status.SENDING, message_id, Message.Status.PENDING],
        )
        claimed = cursor.rowcount
    if not claimed:
        return None
    if loaded is not None:
        loaded.status, loaded.attempts = Message.Status.SENDING, loaded.attempts + 1
        return loaded
    return Message.objects.select_related("conversation__number__client", "conversation__contact").get(pk=message_id)


def release_claim(message_id: int, *, attempted: bool = False, retry_in: float = 0.0) -> None:
    """Give a claimed message back (sending → pending) so a later run, due in `retry_in` seconds, can send
    it. Unless Meta was `attempted` (a transient error), the claim's attempt is taken back: the send was
    only deferred."""
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
        status=Message.Status.PENDING,
        attempts=F("attempts") if attempted else F("attempts") - 1,
        next_attempt_at=timezone.now() + timedelta(seconds=retry_in),
    )


def send_claimed_message(message: Message) -> SendOutcome:
    """Call the Graph API for a message in `sending`. Only this function talks to Meta for sends."""
    number = message.conversation.number
    with logcontext.bind(client_id=number.client_id, phone_number_id=number.phone_number_id):
        outcome = _send_claimed(message)
    return outcome


def _send_claimed(message: Message) -> SendOutcome:
    conversation = message.conversation
    number = conversation.number
    if not number.is_active or number.client.is_suspended:
        fail_message(message.pk, code="number_inactive", title="The number or its client is not active")
        return SendOutcome(sent=False)
    to = conversation.contact.address  # the phone in `to` when known, else the BSUID in `recipient`
    try:
        response = GraphClient.for_number(number).send_message(
            number.phone_number_id, to, graph_body(message), biz_opaque_callback_data=str(message.uuid)
        )
    except GraphTimeoutError as error:
        # Meta may have accepted it: sending again could reach the customer twice. The message
        # stays `sending`; its status webhook (found by our uuid) or the stale-send sweep settles it.
        Message.objects.filter(pk=message.pk).update(
            error_code="timeout", error_title="No answer from WhatsApp yet", error_details=str(error)
        )
        return SendOutcome(sent=False, error=error)
    except GraphError as error:
        if error.transient:
            # Due again after the backoff, written with the release so the sweep tells a waiting retry
            # from a lost one; the caller schedules the retry with the same delay.
            retry_in = backoff_with_jitter(message.attempts)
            release_claim(message.pk, attempted=True, retry_in=retry_in)
            return SendOutcome(sent=False, retry=True, error=error, retry_in=retry_in)
        mark_failed(message.pk, error)
        return SendOutcome(sent=False, error=error)
    wamid = ((response.get("messages") or [{}])[0]).get("id")
    logger.info("message %s sent", message.pk, extra={"wamid": wamid})
    metrics.MESSAGES_SENT.inc(
        phone_number_id=number.phone_number_id, kind="template" if message.is_template else "service"
    )
    if connection.vendor == "postgresql" and not message.is_template:
        settle_sent_in_one_statement(message, wamid)
        outbound_message_sent.send(sender=Message, message=message)
        return SendOutcome(sent=True)
    with transaction.atomic():
        # One UPDATE: keep a wamid a status stored first; move sending → sent only (a status may be ahead).
        still_sending = Q(status=Message.Status.SENDING)
        Message.objects.filter(pk=message.pk).update(
            wamid=Coalesce(F("wamid"), Value(wamid)),
            status=Case(When(still_sending, then=Value(Message.Status.SENT)), default=F("status")),
            sent_at=Case(When(still_sending, then=Value(timezone.now())), default=F("sent_at")),
        )
        count_accepted_message(message.pk)
        outbound_message_sent.send(sender=Message, message=message)
    return SendOutcome(sent=True)


def settle_sent_in_one_statement(message: Message, wamid: str | None) -> None:
    """Mark a free-form message Meta accepted as sent and count it, in one PostgreSQL statement.

    What the ORM path below does in a dozen statements: keep a wamid a status stored first, move sending →
    sent only (a status may be ahead), flip `usage_counted`, and let billing count the message (its CTEs are
    gated on the flip, so it is counted exactly once, whichever path sees it first). When a status webhook
    counted the message already, the flip matches no row and a plain update settles it.
    """
    conversation = message.conversation
    count = outbound_count(
        gate="sent_message",
        number=conversation.number,
        sent_by=message.sent_by,
        wa_id=conversation.contact.wa_id,
        user_id=conversation.contact.user_id,
    )
    settle = (
        f"UPDATE {Message._meta.db_table} SET wamid = COALESCE(wamid, %s), "
        "status = CASE WHEN status = 'sending' THEN 'sent' ELSE status END, "
        "sent_at = CASE WHEN status = 'sending' THEN %s ELSE sent_at END"
    )
    now = timezone.now()
    with prepared_cursor() as cursor:
        cursor.execute(
            f"WITH sent_message AS ({settle}, usage_counted = true WHERE id = %s AND NOT usage_counted "
            f"RETURNING id, sent_at, pricing_category, pricing_type, billable), {count.sql} {count.select}",
            [wamid, now, message.pk, *count.params],
        )
        counted = cursor.fetchone()
        if counted is None:
            cursor.execute(f"{settle} WHERE id = %s", [wamid, now, message.pk])
    after_outbound_count(counted)


def fail_message(message_id: int, *, code: str, title: str, details: str = "") -> None:
    """Record why a message could not be sent; a message Meta accepted is never marked failed here."""
    failed = (
        Message.objects.filter(pk=message_id)
        .exclude(status__in=["sent", "delivered", "read"])
        .update(
            status=Message.Status.FAILED,
            failed_at=timezone.now(),
            error_code=code[:20],
            error_title=title[:255],
            error_details=details or title,
        )
    )
    if failed:
        note_send_failure(message_id=message_id, code=code)


def mark_failed(message_id: int, error: GraphError) -> None:
    fail_message(
        message_id,
        code=str(error.code or error.http_status or ""),
        title=error.title or error.message,
        details=error.details or error.message,
    )
    if isinstance(error, (WindowClosedError, AuthenticationError)):
        logger.warning("message %s failed for a reason people must act on: %s", message_id, error)


def count_accepted_message(message_id: int) -> bool:
    """Count an accepted outbound message against usage exactly once, whichever path sees it first."""
    with transaction.atomic():
        first = Message.objects.filter(pk=message_id, usage_counted=False).update(usage_counted=True)
        if not first:
            return False
        message = Message.objects.select_related("conversation__number__client", "conversation__contact").get(
            pk=message_id
        )
        record_outbound_usage(
            message_id=message.pk,
            number=message.conversation.number,
            at=message.sent_at or message.created_at,
            is_template=message.is_template,
            sent_by=message.sent_by,
            recipient_wa_id=message.conversation.contact.wa_id,
            recipient_user_id=message.conversation.contact.user_id,
            pricing_category=message.pricing_category,
            pricing_type=message.pricing_type,
            billable=message.billable,
        )
    return True


def sweep_stale_sends(*, older_than_minutes: int, pending_grace_seconds: int = 60) -> dict[str, int]:
    """Beat job: re-enqueue pending sends whose task was lost; fail sends stuck mid-call.

    A pending message is lost once it is `pending_grace_seconds` past due (its creation, or the retry
    `next_attempt_at` names): a broker restart dropped its task. Queuing it again is safe even if the task
    was only late: the pending → sending claim lets one run send it.

    A message left in `sending` had its worker die during the Graph call: Meta may have accepted
    it, so it is not sent again; a late status webhook still finds it by its uuid and heals it.
    """
    now = timezone.now()
    due = Coalesce(F("next_attempt_at"), F("created_at"))
    outbound = Message.objects.filter(direction=Message.Direction.OUTBOUND)
    pending_ids = list(
        outbound.filter(status=Message.Status.PENDING)
        .alias(due=due)
        .filter(due__lt=now - timedelta(seconds=pending_grace_seconds))
        .values_list("pk", flat=True)[:1000]
    )
    for message_id in pending_ids:
        enqueue("whatsapp.send_outbound_message", message_id)
    stuck = outbound.filter(status=Message.Status.SENDING, created_at__lt=now - timedelta(minutes=older_than_minutes))
    failed = stuck.update(
        status=Message.Status.FAILED,
        failed_at=now,
        error_code="send_interrupted",
        error_title="Sending was interrupted; WhatsApp may not have received it",
    )
    return {"requeued": len(pending_ids), "failed": failed}
