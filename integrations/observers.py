"""The pipeline's signals, turned into events for integrators — at no cost for clients without endpoints.

Each receiver asks `subscriptions` (a cache read, no query) whether the client wants the event and, only
then, queues `integrations.emit_events` for after the commit; the worker builds the body and delivers.
A statuses batch is one cache call and at most one task. Nothing here may fail the pipeline: an error
is logged and the event dropped.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db.models.signals import post_save
from django.utils import timezone

from billing.models import UsageAlert
from core.queue import enqueue_on_commit
from integrations import events, subscriptions
from whatsapp.signals import (
    conversation_handed_off,
    conversation_taken_over,
    customer_request_recorded,
    customer_request_status_changed,
    inbound_message_recorded,
    message_statuses_applied,
    outbound_message_sent,
)

logger = logging.getLogger(__name__)


def _iso(value: Any) -> str:
    return (value or timezone.now()).isoformat()


def emit(items: list[tuple[int, str, dict[str, Any]]]) -> int:
    """Queue the items whose client subscribes to their event; returns how many were queued."""
    try:
        wanted = subscriptions.subscribed(client_id for client_id, _event, _ref in items)
        chosen = [[client_id, event, ref] for client_id, event, ref in items if event in wanted.get(client_id, ())]
        if chosen:
            enqueue_on_commit("integrations.emit_events", chosen)
        return len(chosen)
    except Exception:  # an observer never breaks the pipeline that signals it
        logger.exception("outgoing webhook events dropped")
        return 0


def _received(sender, number, message=None, sent_at=None, **kwargs) -> None:
    if message is not None:
        emit([(number.client_id, events.MESSAGE_RECEIVED, {"message_id": message.pk, "at": _iso(sent_at)})])


def _sent(sender, message, **kwargs) -> None:
    emit([(message.client_id, events.MESSAGE_SENT, {"message_id": message.pk, "at": _iso(None)})])


def _statuses(sender, statuses, **kwargs) -> None:
    emit(
        [
            (client_id, events.MESSAGE_STATUS, {"message_id": message_id, "status": status, "at": _iso(at)})
            for client_id, message_id, status, at in statuses
        ]
    )


def _handed_off(sender, conversation, reason="", **kwargs) -> None:
    ref = {"conversation_id": conversation.pk, "reason": reason, "at": _iso(None)}
    emit([(conversation.client_id, events.CONVERSATION_HANDOFF, ref)])


def _taken_over(sender, conversation, user=None, **kwargs) -> None:
    name = (getattr(user, "get_full_name", lambda: "")() or getattr(user, "email", "")) if user is not None else ""
    ref = {"conversation_id": conversation.pk, "by": name, "at": _iso(None)}
    emit([(conversation.client_id, events.CONVERSATION_TAKEN_OVER, ref)])


def _usage_alert(sender, instance, created=False, raw=False, **kwargs) -> None:
    if created and not raw:
        emit([(instance.client_id, events.USAGE_THRESHOLD, {"alert_id": instance.pk, "at": _iso(instance.created_at)})])


def _request_recorded(sender, request, **kwargs) -> None:
    emit([(request.client_id, events.REQUEST_CREATED, {"request_id": request.pk, "at": _iso(request.created_at)})])


def _request_status(sender, request, previous="", **kwargs) -> None:
    ref = {"request_id": request.pk, "previous": previous, "at": _iso(request.status_changed_at)}
    emit([(request.client_id, events.REQUEST_STATUS, ref)])


inbound_message_recorded.connect(_received, dispatch_uid="integrations.message_received")
outbound_message_sent.connect(_sent, dispatch_uid="integrations.message_sent")
message_statuses_applied.connect(_statuses, dispatch_uid="integrations.message_status")
conversation_handed_off.connect(_handed_off, dispatch_uid="integrations.conversation_handoff")
conversation_taken_over.connect(_taken_over, dispatch_uid="integrations.conversation_taken_over")
customer_request_recorded.connect(_request_recorded, dispatch_uid="integrations.request_created")
customer_request_status_changed.connect(_request_status, dispatch_uid="integrations.request_status")
post_save.connect(_usage_alert, sender=UsageAlert, dispatch_uid="integrations.usage_threshold")
