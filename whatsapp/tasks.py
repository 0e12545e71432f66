"""Celery tasks of the messaging pipeline: thin wrappers that call one service and decide retries."""

from __future__ import annotations

import logging
import random
import time
from datetime import timedelta

from celery import shared_task
from django.conf import settings

from core import queue
from whatsapp.errors import TransientGraphError
from whatsapp.pacing import acquire_send_slot, backoff_with_jitter
from whatsapp.services import (
    customer_requests,
    media,
    message_templates,
    number_health,
    outbound,
    ownership,
    replies,
    webhooks,
)

logger = logging.getLogger(__name__)


@shared_task(name="whatsapp.apply_webhook_events", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def apply_webhook_events() -> int:
    """Apply the pending deliveries, a batch at a time (woken by the webhook, see whatsapp.services.webhooks)."""
    return webhooks.webhook_events_apply_pending()


@shared_task(name="whatsapp.recheck_webhook_events", ignore_result=True)
def recheck_webhook_events() -> bool:
    """Two windows after an apply task cleared the wake-up flag and found nothing: wake it if something waits."""
    return webhooks.webhook_events_recheck()


@shared_task(name="whatsapp.apply_stale_webhook_events", ignore_result=True)
def apply_stale_webhook_events() -> int:
    """Beat sweep: deliveries stored but not applied after a grace period (their hand-off was lost)."""
    grace = timedelta(seconds=settings.WEBHOOK_APPLY_GRACE_SECONDS)
    deadline = time.monotonic() + settings.WEBHOOK_SWEEP_SECONDS
    applied = 0
    while time.monotonic() < deadline:
        done = webhooks.webhook_events_apply(older_than=grace)
        applied += done
        if done < webhooks.APPLY_BATCH:
            break
    if applied:
        logger.warning("applied %d webhook deliveries whose hand-off was lost", applied)
    return applied


@shared_task(name="whatsapp.answer_inbound_message", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def answer_inbound_message(message_id: int) -> int | None:
    """Decide the reply and send it in the same task: one queue hop from the customer's message to Meta.

    A run that died after recording the reply and before sending it is retried (acks_late) and sends the
    recorded reply; it never drafts a second one. Returns the reply's id.
    """
    reply = replies.answer_inbound_message(message_id)
    reply_id = reply.pk if reply is not None else replies.unsent_reply_id(message_id)
    if reply_id is not None:
        send_now_or_hand_over(reply_id, loaded=reply)
    return reply_id


def send_now_or_hand_over(message_id: int, *, loaded=None) -> None:
    """Send a recorded message from this task when the number's pace allows; otherwise, or after a
    transient Graph error, the send task takes over with its backoff. The pending → sending claim
    keeps it to one send whoever gets there first."""
    message = outbound.claim_for_sending(message_id, loaded=loaded)
    if message is None:
        return
    if not acquire_send_slot(message.conversation.number.phone_number_id or ""):
        countdown = random.uniform(1, 2)
        outbound.release_claim(message_id, retry_in=countdown)
        send_outbound_message.apply_async(args=[message_id], countdown=countdown)
        return
    send_claimed(message)


def send_claimed(message) -> None:
    """Call Meta for a claimed message; after a transient error the send task retries it once the backoff
    the service released it with (its next_attempt_at) has passed."""
    outcome = outbound.send_claimed_message(message)
    if outcome.retry:
        send_outbound_message.apply_async(args=[message.pk], countdown=outcome.retry_in)


@shared_task(
    name="whatsapp.send_outbound_message",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=None,
)
def send_outbound_message(self, message_id: int):
    """Send one recorded message. Retries transient Graph errors; never sends a message twice.

    Retries return the Retry (throw=False): the next run is already queued, and eager runs
    (tests) retry the same way a worker does.
    """
    message = outbound.claim_for_sending(message_id)
    if message is None:
        return None  # sent, being sent, or failed already
    if not acquire_send_slot(message.conversation.number.phone_number_id or ""):
        countdown = random.uniform(1, 2)
        outbound.release_claim(message_id, retry_in=countdown)
        return self.retry(countdown=countdown, throw=False)
    result = outbound.send_claimed_message(message)
    if not result.retry:
        return None
    if message.attempts > settings.WHATSAPP_SEND_MAX_RETRIES:  # this one included (the claim counted it)
        outbound.mark_failed(message_id, result.error)
        return None
    return self.retry(countdown=result.retry_in, throw=False)  # the backoff the release wrote as next_attempt_at


@shared_task(name="whatsapp.answer_unanswered_inbound", ignore_result=True)
def answer_unanswered_inbound() -> int:
    """Beat sweep: queue the reply task again for customer messages whose task was lost (see replies).

    Not while the queue still holds tasks: behind a backlog a message's reply task is late, not lost, and
    queuing it again would make the backlog longer (the reply itself would still be sent only once).
    """
    if queue.backlog():
        return 0
    grace = timedelta(seconds=settings.AI_REPLY_QUIET_SECONDS + settings.WHATSAPP_ANSWER_GRACE_SECONDS)
    ids = replies.unanswered_inbound_ids(older_than=grace, newer_than=timedelta(hours=1))
    for message_id in ids:
        answer_inbound_message.apply_async(args=[message_id])
    if ids:
        logger.warning("queued the reply again for %d customer messages whose reply task was lost", len(ids))
    return len(ids)


@shared_task(name="whatsapp.notify_handoff", ignore_result=True)
def notify_handoff(conversation_id: int) -> None:
    """E-mail the client's owners that a customer waits for a person (failures are logged by the service)."""
    ownership.notify_handoff(conversation_id=conversation_id)


@shared_task(name="whatsapp.notify_request", ignore_result=True)
def notify_request(request_id: int) -> None:
    """E-mail the client's owners about a customer's new request (failures are logged by the service)."""
    customer_requests.notify_request(request_id=request_id)


@shared_task(name="whatsapp.sweep_stale_sends", ignore_result=True)
def sweep_stale_sends() -> dict[str, int]:
    result = outbound.sweep_stale_sends(
        older_than_minutes=settings.WHATSAPP_STALE_SEND_MINUTES,
        pending_grace_seconds=settings.WHATSAPP_PENDING_SEND_GRACE_SECONDS,
    )
    if any(result.values()):
        logger.warning("stale sends: %s", result)
    return result


@shared_task(name="whatsapp.sync_number_health", ignore_result=True)
def sync_number_health() -> int:
    """Beat task: refresh quality, name status and messaging limit of every active number from Meta."""
    return number_health.sync_all_numbers()


@shared_task(
    name="whatsapp.send_token_expiry_warning",
    bind=True,
    ignore_result=True,
    max_retries=5,
    default_retry_delay=120,
)
def send_token_expiry_warning(self, number_id: int):
    """E-mail one business-token expiry warning. A mail server that fails is tried again later; after the
    last try the warning is given back, and the next health sync (every 6 hours) claims and sends it again.

    Retries return the Retry (throw=False), as in send_outbound_message: eager runs retry the same way."""
    try:
        return number_health.token_expiry_warning_send(number_id=number_id)
    except OSError as error:  # smtplib's errors are OSErrors, like a refused or dropped connection
        if self.request.retries >= self.max_retries:
            logger.warning("token expiry warning for number %s not sent: %s", number_id, error)
            number_health.token_expiry_warning_give_back(number_id=number_id)
            return False
        return self.retry(exc=error, throw=False)


@shared_task(name="whatsapp.sync_one_number_health", ignore_result=True)
def sync_one_number_health(number_id: int) -> bool:
    return number_health.sync_number(number_id=number_id)


@shared_task(name="whatsapp.sync_templates", ignore_result=True)
def sync_templates(number_id: int) -> int:
    """The templates of one number's WABA, now (queued when a number goes live; the health sync does all)."""
    return message_templates.templates_sync_for_number(number_id=number_id)


@shared_task(
    name="whatsapp.download_media",
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    ignore_result=True,
    max_retries=6,
)
def download_media(self, message_id: int):
    """An inbound photo, voice note, video, document or sticker into storage; Meta keeps it 7 days, so
    transient trouble is retried with backoff. The Retry is returned (throw=False), as in send_outbound_message:
    a worker has the next run queued already, and an eager run (tests) retries only when it is returned."""
    try:
        return media.media_download(message_id=message_id)
    except TransientGraphError as error:
        if self.request.retries >= self.max_retries:
            # Given up: the message keeps its text, as for an expired media id; nothing raises into the caller.
            logger.warning(
                "media of message %s not downloaded after %d tries: %s", message_id, self.max_retries + 1, error
            )
            return False
        return self.retry(countdown=backoff_with_jitter(self.request.retries), throw=False)
