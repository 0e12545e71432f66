"""Decide whether and how the AI answers a customer's burst of messages, then record the reply.

Debounce: every inbound message enqueues this with a countdown of AI_REPLY_QUIET_SECONDS. A run
whose message is no longer the conversation's latest inbound message does nothing; the run for the
latest one answers the whole burst (all inbound messages since the last reply) once. The decision
is re-checked under a row lock on the conversation right before recording, so a message that
arrives while the provider is thinking cancels this reply and its own run answers everything.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q

from ai.models import Persona
from ai.providers.base import ChatTurn
from ai.replies import ReplyDraft, acknowledge_non_text, answer_language, generate_reply
from ai.selectors import persona_for
from ai.services import reply_log_record
from billing.selectors import ai_may_reply
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError
from whatsapp.models import Conversation, Message
from whatsapp.services.customer_events import is_silent, may_acknowledge_unsupported
from whatsapp.services.outbound import record_outbound_message
from whatsapp.services.ownership import flag_for_people, hand_off, record_conversion_if_confirmed

logger = logging.getLogger(__name__)

HISTORY_MESSAGES = 10
BURST_GAP = timedelta(minutes=2)
TEXT_KINDS = frozenset({"text", "interactive", "button"})
MEDIA_WITH_CAPTION = frozenset({"image", "video", "document"})
UNSCHEDULED_KINDS = ("reaction",)  # whatsapp/services/inbound.py enqueues no reply task for these


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
    if inbound is None or _superseded(inbound, or_answered=True):
        return None  # a later message's run answers the whole burst / already answered
    conversation = inbound.conversation
    number, client = conversation.number, conversation.number.client
    conversation.client = client  # the same row, already loaded: no second read of it below
    persona = persona_for(client=client)
    burst = unanswered_burst(conversation=conversation, last=inbound)
    customer_text = burst_text(burst)
    if customer_text:
        record_conversion_if_confirmed(conversation=conversation, text=customer_text, persona=persona)
    if conversation.owner == Conversation.Owner.HUMAN or not number.is_active or client.is_suspended:
        return None  # never speak over a person, or for a number or client that is off
    if not persona.enabled:
        flag_for_people(conversation=conversation)
        return None
    if not ai_may_reply(number=number):
        hand_off(conversation=conversation, reason="Monthly free messages used up")
        return None
    if all(is_silent(m) for m in burst):
        return None  # reactions, notices, deleted messages, kinds we do not know: never answered
    if not conversation.window_open():
        # A delivery Meta retried for more than a day: only templates may go now, so a person decides.
        hand_off(conversation=conversation, reason="The customer wrote over 24 hours ago; only templates can be sent")
        return None
    unsupported_only = not customer_text and _last_answered_kind(burst) == "unsupported"
    if unsupported_only and not may_acknowledge_unsupported(conversation=conversation):
        return None  # told once today already
    show_typing(number=number, inbound=inbound)
    draft = draft_for_burst(conversation=conversation, burst=burst, persona=persona, customer_text=customer_text)
    return _record_reply(inbound=inbound, draft=draft)


def show_typing(*, number, inbound: Message) -> None:
    """Blue ticks and "typing…" on the customer's phone while the reply is prepared (best effort)."""
    try:
        GraphClient.for_number(number).mark_read(number.phone_number_id, inbound.wamid, typing=True)
    except GraphError as error:
        logger.info("mark-read/typing for %s failed: %s", inbound.wamid, error)


def _superseded(inbound: Message, *, or_answered: bool = False) -> bool:
    """A later message will be answered with this one (reactions schedule no reply, so they never supersede);
    with `or_answered`, also true when the AI answered this message already. One EXISTS either way."""
    later = Q(direction=Message.Direction.INBOUND, pk__gt=inbound.pk) & ~Q(kind__in=UNSCHEDULED_KINDS)
    if or_answered:
        later |= Q(reply_to_id=inbound.pk, sent_by=Message.SentBy.AI)
    return Message.objects.filter(later, conversation_id=inbound.conversation_id).exists()


def unsent_reply_id(inbound_id: int) -> int | None:
    """The AI reply to this message that is still waiting to go out (its run died before sending)."""
    return (
        Message.objects.filter(reply_to_id=inbound_id, sent_by=Message.SentBy.AI, status=Message.Status.PENDING)
        .values_list("pk", flat=True)
        .first()
    )


def _record_reply(*, inbound: Message, draft: ReplyDraft) -> Message | None:
    try:
        with transaction.atomic():
            conversation = Conversation.objects.select_for_update().get(pk=inbound.conversation_id)
            # Re-check under the lock: the customer may have written again, or a person taken over.
            if _superseded(inbound) or conversation.owner == Conversation.Owner.HUMAN:
                draft.error = (draft.error + " | " if draft.error else "") + "discarded: not sent, see the next reply"
                reply_log_record(client=inbound.conversation.client, draft=draft, conversation_id=conversation.pk)
                return None
            reply = record_outbound_message(
                conversation=conversation,
                text=draft.text,
                sent_by=Message.SentBy.AI,
                reply_to=inbound,
                send_after_commit=False,  # the reply task sends it (whatsapp.tasks.answer_inbound_message)
            )
            reply_log_record(
                client=inbound.conversation.client, draft=draft, conversation_id=conversation.pk, message_id=reply.pk
            )
            if draft.handoff:
                hand_off(conversation=conversation, reason=draft.reason or "The assistant asked for a person")
    except IntegrityError:
        return None  # another run recorded the reply first
    reply.conversation = inbound.conversation  # with its number, client and contact loaded, for the send
    return reply


def unanswered_burst(*, conversation: Conversation, last: Message) -> list[Message]:
    """The customer's messages after the last one we answered (or after a person's message), oldest first."""
    # An AI reply answers everything up to its `reply_to`; a person's message everything before it.
    answered = conversation.messages.filter(direction=Message.Direction.OUTBOUND).aggregate(
        replied=Max("reply_to_id"), spoken=Max("pk", filter=Q(reply_to__isnull=True))
    )
    answered_up_to = max(answered["replied"] or 0, answered["spoken"] or 0)
    unanswered = conversation.messages.filter(
        direction=Message.Direction.INBOUND, pk__gt=answered_up_to, pk__lte=last.pk
    ).order_by("-pk")[:HISTORY_MESSAGES]
    # A burst is messages close together: older unanswered ones (say, written while a person owned
    # the conversation) are context, not questions to answer again.
    burst: list[Message] = []
    for message in unanswered:
        if burst and burst[-1].created_at - message.created_at > BURST_GAP:
            break
        burst.append(message)
    return burst[::-1]


def _readable(message: Message) -> str:
    if message.deleted_at is not None:
        return ""  # the customer deleted it (revoke)
    if message.kind in TEXT_KINDS:
        return message.text.strip()
    if message.kind in MEDIA_WITH_CAPTION and message.text and not message.text.startswith("["):
        return message.text.strip()  # the caption
    return ""


def burst_text(burst: list[Message]) -> str:
    return "\n".join(t for t in (_readable(m) for m in burst) if t)


def conversation_history(*, conversation: Conversation, before: Message) -> list[ChatTurn]:
    earlier = (
        conversation.messages.filter(pk__lt=before.pk, deleted_at__isnull=True)
        .exclude(text="")
        .order_by("-pk")[:HISTORY_MESSAGES]
    )
    return [
        ChatTurn(role="customer" if m.direction == Message.Direction.INBOUND else "business", text=m.text)
        for m in reversed(earlier)
    ]


def draft_for_burst(
    *, conversation: Conversation, burst: list[Message], persona: Persona, customer_text: str
) -> ReplyDraft:
    """Answer the text of the burst; a burst with no text (voice note, picture…) gets an acknowledgement."""
    history = conversation_history(conversation=conversation, before=burst[0])
    if customer_text:
        return generate_reply(client=conversation.client, customer_text=customer_text, history=history, persona=persona)
    language = answer_language(persona, [t.text for t in history if t.role == "customer"])
    return acknowledge_non_text(kind=_last_answered_kind(burst), persona=persona, language=language)


def _last_answered_kind(burst: list[Message]) -> str:
    return next((m.kind for m in reversed(burst) if not is_silent(m)), "unknown")
