"""Decide whether and how the AI answers a customer's burst of messages, then record the reply."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction

from ai.replies import generate_reply
from billing.selectors import ai_may_reply
from whatsapp.models import Conversation, Message
from whatsapp.services.outbound import record_outbound_message

logger = logging.getLogger(__name__)


def hand_off(conversation: Conversation, reason: str) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        owner=Conversation.Owner.HUMAN, needs_attention=True, handoff_reason=reason[:200]
    )


def answer_inbound_message(message_id: int) -> Message | None:
    """Record the AI reply to the burst that ends with this inbound message; None if none is due.

    Safe to run any number of times: a reply exists at most once per inbound message
    (database constraint), and only the latest message of a burst is answered.
    """
    inbound = (
        Message.objects.select_related("conversation__number__client", "conversation__contact")
        .filter(pk=message_id, direction=Message.Direction.INBOUND)
        .first()
    )
    if inbound is None:
        return None
    conversation = inbound.conversation
    number, client = conversation.number, conversation.client
    later = conversation.messages.filter(direction=Message.Direction.INBOUND, pk__gt=inbound.pk).exists()
    if later or inbound.replies.filter(sent_by=Message.SentBy.AI).exists():
        return None  # a later message's task answers the whole burst / already answered
    if conversation.owner == Conversation.Owner.HUMAN or not number.is_active or client.is_suspended:
        return None
    if not ai_may_reply(number=number):
        hand_off(conversation, "Monthly free messages used up")
        return None
    burst = _unanswered_burst(conversation, inbound)
    draft = generate_reply(client=client, customer_text="\n".join(m.text for m in burst))
    try:
        with transaction.atomic():
            reply = record_outbound_message(
                conversation=conversation, text=draft.text, sent_by=Message.SentBy.AI, reply_to=inbound
            )
            if draft.handoff:
                hand_off(conversation, draft.reason or "The assistant asked for a person")
    except IntegrityError:
        return None  # another run recorded the reply first
    return reply


def _unanswered_burst(conversation: Conversation, last: Message) -> list[Message]:
    """The customer's messages since our last outbound message, oldest first."""
    last_out = (
        conversation.messages.filter(direction=Message.Direction.OUTBOUND, pk__lt=last.pk).order_by("-pk").first()
    )
    burst = conversation.messages.filter(direction=Message.Direction.INBOUND, pk__lte=last.pk)
    if last_out:
        burst = burst.filter(pk__gt=last_out.pk)
    return list(burst.order_by("pk"))[-10:]
