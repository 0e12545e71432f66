"""Celery tasks of the messaging pipeline: thin wrappers that call one service and decide retries."""

from __future__ import annotations

import logging
import random

from celery import shared_task
from django.conf import settings

from whatsapp.services import outbound, replies

logger = logging.getLogger(__name__)


def backoff_with_jitter(retries: int) -> float:
    """Full jitter: a random wait up to 2^retries seconds, capped."""
    return random.uniform(1, min(settings.WHATSAPP_RETRY_BACKOFF_MAX, 2 ** (retries + 1)))


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def answer_inbound_message(message_id: int) -> None:
    replies.answer_inbound_message(message_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True, max_retries=None)
def send_outbound_message(self, message_id: int):
    message = outbound.claim_for_sending(message_id)
    if message is None:
        return  # sent, being sent, or failed already: never send twice
    result = outbound.send_claimed_message(message)
    if not result.retry:
        return
    if self.request.retries >= settings.WHATSAPP_SEND_MAX_RETRIES:
        outbound.mark_failed(message_id, result.error)
        return
    # throw=False: the retry is already queued; returning (not raising) also lets eager runs retry.
    return self.retry(countdown=backoff_with_jitter(self.request.retries), throw=False)
