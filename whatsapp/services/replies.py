"""Decide whether and how the AI answers a customer's burst of messages, then record the reply.

Debounce: every inbound message enqueues this with a countdown of AI_REPLY_QUIET_SECONDS. A run
whose message is no longer the conversation's latest inbound message does nothing; the run for the
latest one answers the whole burst (all inbound messages since the last reply) once. The decision
is re-checked under a row lock on the conversation right before recording, so a message that
arrives while the provider is thinking cancels this reply and its own run answers everything.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from ai.models import Persona
from ai.providers.base import ChatTurn
from ai.replies import ReplyDraft, acknowledge_non_text, answer_language, generate_reply
from ai.selectors import KNOWLEDGE_VERSION_READ, knowledge_version_columns, persona_for
from ai.services import reply_log_cte, reply_log_record
from billing.months import month_start
from billing.selectors import ai_may_reply, service_messages_used
from core import logcontext
from core.compiled import CompiledSelect
from core.prepared import prepared_cursor
from core.sql import insert_columns, insert_params, select_list
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError
from whatsapp.models import Conversation, Message
from whatsapp.services import customer_requests
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
    inbound = load_inbound(message_id)
    if inbound is None or inbound.superseded_or_answered:
        return None  # a later message's run answers the whole burst / already answered
    number = inbound.conversation.number
    with logcontext.bind(client_id=number.client_id, phone_number_id=number.phone_number_id, wamid=inbound.wamid):
        return _answer_loaded(inbound)


def _answer_loaded(inbound: Message) -> Message | None:
    conversation = inbound.conversation
    number, client = conversation.number, conversation.number.client
    conversation.client = client  # the same row, already loaded: no second read of it below
    # The knowledge base's version came with the message (load_inbound): the reply's index needs no query.
    setattr(client, KNOWLEDGE_VERSION_READ, (inbound.knowledge_n, inbound.knowledge_last, inbound.knowledge_top))
    persona = persona_for(client=client)
    burst, history = burst_and_history(inbound)
    customer_text = burst_text(burst)
    if customer_text:
        record_conversion_if_confirmed(conversation=conversation, text=customer_text, persona=persona)
    if conversation.owner == Conversation.Owner.HUMAN or not number.is_active or client.is_suspended:
        return None  # never speak over a person, or for a number or client that is off
    if not persona.enabled:
        flag_for_people(conversation=conversation)
        return None
    if not ai_may_reply(number=number, used=inbound.service_used or 0):
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
    draft = draft_for_burst(
        conversation=conversation, burst=burst, history=history, persona=persona, customer_text=customer_text
    )
    if connection.vendor == "postgresql" and not (draft.handoff or draft.intake_changed or draft.request):
        return _record_reply_in_one_statement(inbound=inbound, draft=draft)
    return _record_reply(inbound=inbound, draft=draft)


def load_inbound(message_id: int) -> Message | None:
    """The inbound message with everything the decision reads, in one query: its conversation, number,
    client, persona and contact; whether it is superseded or answered; how far the conversation is answered;
    the number's usage this month; the version of the client's knowledge base. The query is compiled once per
    thread (core.compiled)."""
    return _INBOUND_WITH_CONTEXT.first(message_id, month_start())


def _inbound_with_context(message_id: int, month: date) -> QuerySet[Message]:
    return (
        Message.objects.select_related("conversation__number__client__persona", "conversation__contact")
        .filter(pk=message_id, direction=Message.Direction.INBOUND)
        .annotate(
            superseded_or_answered=Exists(_later_or_reply(OuterRef("pk"), OuterRef("conversation_id"), answered=True)),
            replied_up_to=_outbound_max("reply_to_id", reply_to__isnull=False),
            spoken_up_to=_outbound_max("pk", reply_to__isnull=True),
            service_used=service_messages_used("conversation__number_id", month=month),
            **knowledge_version_columns(OuterRef("conversation__number__client_id")),
        )
        .order_by("pk")[:1]
    )


def _outbound_max(column: str, **condition) -> Subquery:
    outbound = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"), direction=Message.Direction.OUTBOUND, **condition
    )
    return Subquery(outbound.order_by().values("conversation_id").annotate(top=Max(column)).values("top")[:1])


def _later_or_reply(inbound_id, conversation_id, *, answered: bool) -> QuerySet[Message]:
    """A later message will be answered with this one (reactions schedule no reply, so they never supersede);
    with `answered`, also an AI reply to this message."""
    later = Q(direction=Message.Direction.INBOUND, pk__gt=inbound_id) & ~Q(kind__in=UNSCHEDULED_KINDS)
    if answered:
        later |= Q(reply_to_id=inbound_id, sent_by=Message.SentBy.AI)
    return Message.objects.filter(later, conversation_id=conversation_id)


_INBOUND_WITH_CONTEXT = CompiledSelect(_inbound_with_context, -1, date(1, 1, 1))


def _later_ids(inbound_id: int, conversation_id: int) -> QuerySet[Message]:
    """The one-statement record's "nothing supersedes it" subquery."""
    return _later_or_reply(inbound_id, conversation_id, answered=False).values("pk")


_LATER = CompiledSelect(_later_ids, -1, -2)


def show_typing(*, number, inbound: Message) -> None:
    """Blue ticks and "typing…" on the customer's phone while the reply is prepared (best effort)."""
    try:
        GraphClient.for_number(number).mark_read(number.phone_number_id, inbound.wamid, typing=True)
    except GraphError as error:
        logger.info("mark-read/typing for %s failed: %s", inbound.wamid, error)


def _superseded(inbound: Message) -> bool:
    return _later_or_reply(inbound.pk, inbound.conversation_id, answered=False).exists()


def _record_reply_in_one_statement(*, inbound: Message, draft: ReplyDraft) -> Message | None:
    """Record the reply in one PostgreSQL statement: lock the conversation if the AI still owns it and no
    later message supersedes this one, insert the reply (at most one per inbound message) and move the
    conversation's last activity.

    The reply is recorded `pending`, like any other: the task claims it before calling Meta, so a run that
    dies in between leaves it for its retry to send (a `sending` one may have reached Meta). The checks read
    the statement's snapshot, so a customer message committed while the statement runs is answered by its
    own run (as if it had come a moment later). The draft is logged in the same statement (ai's part,
    ai.services.reply_log_cte), linked to the reply or marked discarded.
    """
    conversation = inbound.conversation
    reply = Message(
        client_id=conversation.client_id,
        conversation_id=conversation.pk,
        direction=Message.Direction.OUTBOUND,
        kind="text",
        text=draft.text,
        status=Message.Status.PENDING,
        sent_by=Message.SentBy.AI,
        reply_to_id=inbound.pk,
    )
    messages, conversations = Message._meta.db_table, Conversation._meta.db_table
    later_sql, later_params = _LATER.sql_with_params(inbound.pk, conversation.pk)
    log_sql, log_params = reply_log_cte(
        client=conversation.client, draft=draft, conversation_id=conversation.pk, reply="reply"
    )
    with prepared_cursor() as cursor:
        cursor.execute(
            f"WITH owned AS (SELECT id FROM {conversations} WHERE id = %s AND owner = %s "
            f"AND NOT EXISTS ({later_sql}) FOR UPDATE), "
            f"reply AS (INSERT INTO {messages} ({', '.join(insert_columns(Message))}) "
            f"SELECT {select_list(Message)} FROM owned ON CONFLICT DO NOTHING RETURNING id, created_at), "
            f"touched AS (UPDATE {conversations} c SET last_message_at = reply.created_at FROM reply WHERE c.id = %s), "
            f"{log_sql} SELECT id FROM reply",
            [
                conversation.pk,
                Conversation.Owner.AI,
                *later_params,
                *insert_params(reply),
                conversation.pk,
                *log_params,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None  # superseded, taken over, or recorded by another run (the log says discarded)
    reply.pk, reply._state.adding, reply._state.db = row[0], False, "default"
    reply.conversation = conversation  # with its number, client and contact loaded, for the send
    return reply


def unanswered_inbound_ids(*, older_than: timedelta, newer_than: timedelta, limit: int = 500) -> list[int]:
    """Customer messages the AI owns, with no reply and nothing later, that should have been answered by now:
    their reply task was lost (a broker restart) and the beat sweep queues it again. Running it again is safe
    (a reply exists at most once per message); a message left unanswered on purpose (a kind never answered,
    an `unsupported` told once today) is decided the same way again and stays unanswered."""
    now = timezone.now()
    replied = Message.objects.filter(reply_to_id=OuterRef("pk"), sent_by=Message.SentBy.AI)
    later = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"), direction=Message.Direction.INBOUND, pk__gt=OuterRef("pk")
    ).exclude(kind__in=UNSCHEDULED_KINDS)
    spoken = Message.objects.filter(
        conversation_id=OuterRef("conversation_id"),
        direction=Message.Direction.OUTBOUND,
        reply_to__isnull=True,
        pk__gt=OuterRef("pk"),
    )
    due = (
        Message.objects.filter(
            direction=Message.Direction.INBOUND,
            created_at__lte=now - older_than,
            created_at__gte=now - newer_than,
            conversation__owner=Conversation.Owner.AI,
            deleted_at__isnull=True,
        )
        .exclude(kind__in=UNSCHEDULED_KINDS)
        .exclude(Exists(replied) | Exists(later) | Exists(spoken))
    )
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])


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
            _record_request_steps(conversation=conversation, inbound=inbound, draft=draft)
            if draft.handoff:
                hand_off(conversation=conversation, reason=draft.reason or "The assistant asked for a person")
    except IntegrityError:
        return None  # another run recorded the reply first
    reply.conversation = inbound.conversation  # with its number, client and contact loaded, for the send
    return reply


def _record_request_steps(*, conversation: Conversation, inbound: Message, draft: ReplyDraft) -> None:
    """What the reply does to the customer's request, in the reply's transaction: the guided exchange's new
    state, the request it completed (at most one per customer message), or a dropped exchange on a handoff."""
    if draft.intake_changed or (draft.handoff and conversation.request_draft):
        customer_requests.request_draft_store(conversation=conversation, state=draft.intake_state)
    if draft.request is not None:
        customer_requests.request_record(
            conversation=conversation, capture=draft.request, provider=draft.provider, source_message=inbound
        )


WINDOW_MESSAGES = 4 * HISTORY_MESSAGES  # the burst, its history and replies in between, read at once


def burst_and_history(inbound: Message) -> tuple[list[Message], list[ChatTurn]]:
    """The customer's messages after the last one we answered (or after a person's message) up to `inbound`,
    oldest first, and the conversation before them: one read of the conversation's latest messages.

    `inbound` comes from load_inbound, which read how far the conversation is answered: an AI reply answers
    everything up to its `reply_to`, a person's message everything before it.
    """
    answered_up_to = max(inbound.replied_up_to or 0, inbound.spoken_up_to or 0)
    window = _CONVERSATION_WINDOW.all(inbound.conversation_id, inbound.pk)
    unanswered = [m for m in window if m.direction == Message.Direction.INBOUND and m.pk > answered_up_to][
        :HISTORY_MESSAGES
    ]
    # A burst is messages close together: older unanswered ones (say, written while a person owned
    # the conversation) are context, not questions to answer again.
    burst: list[Message] = []
    for message in unanswered:
        if burst and burst[-1].created_at - message.created_at > BURST_GAP:
            break
        burst.append(message)
    burst.reverse()
    first = burst[0].pk if burst else inbound.pk + 1
    earlier = [m for m in window if m.pk < first and m.text and m.deleted_at is None][:HISTORY_MESSAGES]
    history = [
        ChatTurn(role="customer" if m.direction == Message.Direction.INBOUND else "business", text=m.text)
        for m in reversed(earlier)
    ]
    return burst, history


def _conversation_window(conversation_id: int, up_to: int) -> QuerySet[Message]:
    """The conversation's latest messages up to `up_to`, newest first, with what the burst and history read."""
    return (
        Message.objects.filter(conversation_id=conversation_id, pk__lte=up_to)
        .only("id", "conversation_id", "direction", "kind", "text", "created_at", "deleted_at")
        .order_by("-pk")[:WINDOW_MESSAGES]
    )


_CONVERSATION_WINDOW = CompiledSelect(_conversation_window, -1, -2)


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


def draft_for_burst(
    *,
    conversation: Conversation,
    burst: list[Message],
    history: list[ChatTurn],
    persona: Persona,
    customer_text: str,
) -> ReplyDraft:
    """Answer the text of the burst; a burst with no text (voice note, picture…) gets an acknowledgement."""
    if customer_text:
        return generate_reply(
            client=conversation.client,
            customer_text=customer_text,
            history=history,
            persona=persona,
            intake=conversation.request_draft,
        )
    language = answer_language(persona, [t.text for t in history if t.role == "customer"])
    return acknowledge_non_text(kind=_last_answered_kind(burst), persona=persona, language=language)


def _last_answered_kind(burst: list[Message]) -> str:
    return next((m.kind for m in reversed(burst) if not is_silent(m)), "unknown")
