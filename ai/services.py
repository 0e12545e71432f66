"""Writes of the assistant: persona and knowledge, conversation ownership, conversions, reply logs.

`take_over` and `hand_back` are what the messaging API's /takeover and /handback call.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ai.costs import estimate_cost
from ai.models import AiReplyLog, KnowledgeEntry, Persona
from ai.replies import ReplyDraft, generate_reply
from ai.selectors import persona_for
from ai.text import fold
from core.exceptions import ApplicationError
from tenants.models import Client, Membership
from whatsapp.models import Conversation, Message

logger = logging.getLogger(__name__)

PERSONA_FIELDS = (
    "enabled",
    "assistant_name",
    "business_description",
    "tone",
    "language",
    "greeting",
    "business_hours",
    "timezone",
    "booking_instructions",
    "conversion_goal",
    "never_say",
    "handoff_keywords",
    "max_reply_chars",
    "handoff_message",
    "conversion_keywords",
)
# The persona's free-text fields: long texts that go into every model prompt.
PERSONA_TEXT_FIELDS = (
    "business_description",
    "greeting",
    "business_hours",
    "booking_instructions",
    "never_say",
    "handoff_keywords",
    "handoff_message",
    "conversion_keywords",
)
# Phrases that confirm a goal the persona defines (a booking, a purchase); see docs/ai.md.
DEFAULT_CONFIRMATIONS = (
    "confirmo",
    "confirmado",
    "confirmada",
    "lo reservo",
    "la reservo",
    "reservado",
    "reservada",
    "agendado",
    "agendada",
    "lo compro",
    "la compro",
    "lo llevo",
    "ya pague",
    "ya hice el pago",
    "ya transferi",
    "i confirm",
    "confirmed",
    "i ll take it",
    "book it",
    "i paid",
)


# --- persona and knowledge ----------------------------------------------------------------------


def persona_update(*, client: Client, data: dict[str, Any]) -> Persona:
    """Write the given persona fields (others keep their value); invalid values raise ApplicationError."""
    persona = persona_for(client=client)
    for name, value in data.items():
        if name in PERSONA_FIELDS:
            setattr(persona, name, value)
    try:
        persona.full_clean(exclude=["client"])
    except ValidationError as error:
        raise ApplicationError(
            "The persona has invalid fields.", code="validation_error", details=error.message_dict
        ) from error
    persona.save()
    return persona


def knowledge_entry_create(*, client: Client, question: str = "", answer: str) -> KnowledgeEntry:
    return KnowledgeEntry.objects.create(client=client, question=question.strip(), answer=answer.strip())


def knowledge_entry_update(*, entry: KnowledgeEntry, data: dict[str, Any]) -> KnowledgeEntry:
    for name in ("question", "answer"):
        if name in data:
            setattr(entry, name, str(data[name]).strip())
    entry.save()
    return entry


def knowledge_entry_delete(*, entry: KnowledgeEntry) -> None:
    entry.delete()


# --- ownership -----------------------------------------------------------------------------------


def hand_off(*, conversation: Conversation, reason: str) -> bool:
    """Give the conversation to people and tell the client's owners once. False if people had it already."""
    moved = Conversation.objects.filter(pk=conversation.pk, owner=Conversation.Owner.AI).update(
        owner=Conversation.Owner.HUMAN, needs_attention=True, handoff_reason=reason[:200]
    )
    if moved:
        conversation.owner, conversation.needs_attention, conversation.handoff_reason = "human", True, reason[:200]
        transaction.on_commit(lambda: notify_handoff(conversation_id=conversation.pk))
    return bool(moved)


def take_over(*, conversation: Conversation, user) -> Conversation:
    """A person answers from now on; the AI stays quiet until `hand_back`."""
    name = getattr(user, "get_full_name", lambda: "")() or getattr(user, "email", "") or str(user)
    Conversation.objects.filter(pk=conversation.pk).update(
        owner=Conversation.Owner.HUMAN, needs_attention=False, handoff_reason=f"Taken over by {name}"[:200]
    )
    conversation.refresh_from_db()
    return conversation


def hand_back(*, conversation: Conversation) -> Conversation:
    """The AI answers again from the customer's next message; the attention flag is cleared."""
    Conversation.objects.filter(pk=conversation.pk).update(
        owner=Conversation.Owner.AI, needs_attention=False, handoff_reason=""
    )
    conversation.refresh_from_db()
    return conversation


def owner_emails(*, client: Client) -> list[str]:
    emails = list(
        Membership.objects.for_client(client)
        .filter(role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(set(emails)) or ([client.email] if client.email else [])


def conversation_url(*, conversation_id: int) -> str:
    """The conversation in the portal inbox (the portal's home if the portal is not installed)."""
    try:
        path = reverse("portal:thread", args=[conversation_id])
    except NoReverseMatch:
        path = "/"
    return f"{settings.PUBLIC_BASE_URL}{path}"


def notify_handoff(*, conversation_id: int) -> None:
    """Email the client's owners that a customer is waiting for a person (failures are logged only)."""
    conversation = Conversation.objects.select_related("client", "contact", "number").filter(pk=conversation_id).first()
    if conversation is None:
        return
    recipients = owner_emails(client=conversation.client)
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("A customer is waiting for a person: %(contact)s") % {"contact": conversation.contact}
        body = _(
            "%(contact)s wrote to %(number)s and needs a person.\nReason: %(reason)s\n"
            "Open the inbox: %(url)s\n\nWhen you are done, hand the conversation back to the assistant."
        ) % {
            "contact": conversation.contact,
            "number": conversation.number.phone_number,
            "reason": conversation.handoff_reason,
            "url": conversation_url(conversation_id=conversation.pk),
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except OSError as error:
        logger.warning("handoff email for conversation %s failed: %s", conversation_id, error)


# --- conversion ---------------------------------------------------------------------------------


def confirms_goal(*, text: str, persona: Persona) -> bool:
    """A statement (not a question) with one of the persona's confirmation phrases, or ours."""
    if not (persona.conversion_goal or persona.conversion_keywords) or "?" in text:
        return False
    phrases = [fold(line) for line in persona.conversion_keywords.splitlines() if fold(line)]
    folded = f" {fold(text)} "
    return any(f" {p} " in folded for p in phrases or DEFAULT_CONFIRMATIONS)


def record_conversion_if_confirmed(*, conversation: Conversation, text: str, persona: Persona) -> bool:
    """Mark the conversation converted the first time the customer confirms the goal."""
    if not confirms_goal(text=text, persona=persona):
        return False
    return bool(
        Conversation.objects.filter(pk=conversation.pk, converted_at__isnull=True).update(converted_at=timezone.now())
    )


# --- reply logs and preview ---------------------------------------------------------------------


def reply_log_record(
    *,
    client: Client,
    draft: ReplyDraft,
    source: str = AiReplyLog.Source.REPLY,
    conversation: Conversation | None = None,
    message: Message | None = None,
) -> AiReplyLog:
    return AiReplyLog.objects.create(
        client=client,
        conversation=conversation,
        message=message,
        source=source,
        provider=draft.provider,
        model=draft.model[:100],
        latency_ms=draft.latency_ms,
        prompt_tokens=draft.prompt_tokens,
        completion_tokens=draft.completion_tokens,
        estimated_cost=estimate_cost(
            model=draft.model, prompt_tokens=draft.prompt_tokens, completion_tokens=draft.completion_tokens
        ),
        fallback_used=draft.fallback_used,
        handoff=draft.handoff,
        knowledge_entry_id=draft.knowledge_id,
        error=draft.error,
    )


def preview_reply(*, client: Client, message: str) -> ReplyDraft:
    """ "Try your assistant": the reply that would be sent to `message`. Nothing is sent or stored as a message."""
    draft = generate_reply(client=client, customer_text=message)
    reply_log_record(client=client, draft=draft, source=AiReplyLog.Source.PREVIEW)
    return draft
