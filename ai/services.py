"""Writes of the assistant: persona and knowledge, reply logs; and what it judges of a customer's words.

The assistant never changes a conversation: it tells its caller (`whatsapp.services.replies`) to hand off
or that a goal was confirmed, and the WhatsApp app records it.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from ai.costs import estimate_cost
from ai.greetings import is_click_to_chat_text
from ai.intake import MAX_FIELDS
from ai.knowledge_csv import knowledge_csv_parse
from ai.models import AiReplyLog, KnowledgeEntry, Persona
from ai.replies import ReplyDraft, generate_reply
from ai.selectors import persona_for
from ai.text import fold
from audit.services import audit_record, snapshot
from core.exceptions import ApplicationError
from core.sql import insert_columns, insert_params, typed_columns, typed_placeholders
from tenants.models import Client

logger = logging.getLogger(__name__)

KNOWLEDGE_FIELDS = ("question", "answer")
PERSONA_FIELDS = (
    "enabled",
    "assistant_name",
    "business_description",
    "tone",
    "language",
    "greeting",
    "click_to_chat_text",
    "business_hours",
    "timezone",
    "booking_instructions",
    "address",
    "conversion_goal",
    "never_say",
    "handoff_keywords",
    "max_reply_chars",
    "handoff_message",
    "conversion_keywords",
    "request_fields",
)
# The persona's free-text fields: long texts that go into every model prompt.
PERSONA_TEXT_FIELDS = (
    "business_description",
    "greeting",
    "click_to_chat_text",
    "business_hours",
    "booking_instructions",
    "address",
    "never_say",
    "handoff_keywords",
    "handoff_message",
    "conversion_keywords",
    "request_fields",
)
# Each free text goes into every model prompt: a page at most, whoever writes it (API, portal, onboarding, admin).
PERSONA_TEXT_LIMIT = 4000
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
    before = snapshot(persona, PERSONA_FIELDS)
    for name, value in data.items():
        if name in PERSONA_FIELDS:
            setattr(persona, name, value)
    errors: dict[str, list[str]] = {}
    try:
        persona.full_clean(exclude=["client"])
    except ValidationError as error:
        errors = error.message_dict
    for name in PERSONA_TEXT_FIELDS:
        if len(str(getattr(persona, name) or "")) > PERSONA_TEXT_LIMIT:
            errors.setdefault(name, []).append(f"Ensure this field has no more than {PERSONA_TEXT_LIMIT} characters.")
    if persona.greeting.strip() and is_click_to_chat_text(persona.greeting, persona.click_to_chat_text):
        # The bug this split fixed: a customer who sent the QR's line got their own line back.
        errors.setdefault("greeting", []).append(
            "The welcome is the assistant's answer; it cannot be the customer's click-to-chat text."
        )
    if len([line for line in persona.request_fields.splitlines() if line.strip()]) > MAX_FIELDS:
        errors.setdefault("request_fields", []).append(f"At most {MAX_FIELDS} details, one per line.")
    if errors:
        raise ApplicationError("The persona has invalid fields.", code="validation_error", details=errors)
    persona.save()
    audit_record(
        action="persona.changed", client=client, obj=persona, before=before, after=snapshot(persona, PERSONA_FIELDS)
    )
    return persona


def knowledge_entry_create(*, client: Client, question: str = "", answer: str) -> KnowledgeEntry:
    entry = KnowledgeEntry.objects.create(client=client, question=question.strip(), answer=answer.strip())
    audit_record(action="knowledge.created", client=client, obj=entry, after=snapshot(entry, KNOWLEDGE_FIELDS))
    return entry


def knowledge_entry_update(*, entry: KnowledgeEntry, data: dict[str, Any]) -> KnowledgeEntry:
    before = snapshot(entry, KNOWLEDGE_FIELDS)
    for name in KNOWLEDGE_FIELDS:
        if name in data:
            setattr(entry, name, str(data[name]).strip())
    entry.save()
    audit_record(
        action="knowledge.changed",
        client=entry.client_id,
        obj=entry,
        before=before,
        after=snapshot(entry, KNOWLEDGE_FIELDS),
    )
    return entry


def knowledge_import_csv(*, client: Client, data: bytes) -> dict[str, int]:
    """Add the entries of an uploaded CSV (ai.knowledge_csv); a row whose question the base already has
    replaces that entry's answer, so importing an edited export updates it instead of doubling it.

    The whole file is checked first and written in one transaction: a bad row changes nothing
    (KnowledgeCsvError lists every bad row).
    """
    rows = knowledge_csv_parse(data)
    existing = {
        fold(question): pk
        for pk, question in KnowledgeEntry.objects.for_client(client).exclude(question="").values_list("id", "question")
    }
    new: dict[str, KnowledgeEntry] = {}  # by folded question (notes by row): a question twice in the file is one entry
    changed: dict[int, str] = {}
    for row in rows:
        key = fold(row.question) if row.question else f"row {row.number}"
        pk = existing.get(key)
        if pk is not None:
            changed[pk] = row.answer
        elif key in new:
            new[key].answer = row.answer  # the later row wins, as it would on a second import
        else:
            new[key] = KnowledgeEntry(client=client, question=row.question, answer=row.answer)
    with transaction.atomic():
        KnowledgeEntry.objects.bulk_create(new.values(), batch_size=500)
        for entry in KnowledgeEntry.objects.for_client(client).filter(pk__in=changed).select_for_update():
            if entry.answer != changed[entry.pk]:
                entry.answer = changed[entry.pk]
                entry.save(update_fields=["answer", "updated_at"])
        audit_record(
            action="knowledge.imported",
            client=client,
            after={"created": len(new), "updated": len(changed)},
            object_repr=f"{len(rows)} rows",
        )
    return {"created": len(new), "updated": len(changed)}


def knowledge_entry_delete(*, entry: KnowledgeEntry) -> None:
    audit_record(
        action="knowledge.deleted", client=entry.client_id, obj=entry, before=snapshot(entry, KNOWLEDGE_FIELDS)
    )
    entry.delete()


# --- conversion ---------------------------------------------------------------------------------


def confirms_goal(*, text: str, persona: Persona) -> bool:
    """A statement (not a question) with one of the persona's confirmation phrases, or ours."""
    if not (persona.conversion_goal or persona.conversion_keywords) or "?" in text:
        return False
    phrases = [fold(line) for line in persona.conversion_keywords.splitlines() if fold(line)]
    folded = f" {fold(text)} "
    return any(f" {p} " in folded for p in phrases or DEFAULT_CONFIRMATIONS)


# --- reply logs and preview ---------------------------------------------------------------------


def reply_log_record(
    *,
    client: Client,
    draft: ReplyDraft,
    source: str = AiReplyLog.Source.REPLY,
    conversation_id: int | None = None,
    message_id: int | None = None,
) -> AiReplyLog:
    log = reply_log_row(client=client, draft=draft, source=source, conversation_id=conversation_id)
    log.message_id = message_id
    log.save(force_insert=True)
    return log


def reply_log_row(
    *, client: Client, draft: ReplyDraft, source: str = AiReplyLog.Source.REPLY, conversation_id: int | None = None
) -> AiReplyLog:
    """The unsaved log row of a draft (reply_log_record saves it; reply_log_cte writes it inside a statement)."""
    return AiReplyLog(
        client=client,
        conversation_id=conversation_id,
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


DISCARDED = "discarded: not sent, see the next reply"


def reply_log_cte(*, client: Client, draft: ReplyDraft, conversation_id: int, reply: str) -> tuple[str, list[Any]]:
    """A CTE that logs the draft inside the caller's statement, whether or not its CTE `reply` recorded the
    message (at most one row, with an `id`): linked to it when it did, marked discarded when it did not.
    The assistant still writes its own table; the caller only names the row it links to."""
    log = reply_log_row(client=client, draft=draft, conversation_id=conversation_id)
    discarded = (draft.error + " | " if draft.error else "") + DISCARDED
    columns = insert_columns(AiReplyLog)
    values = typed_columns(
        AiReplyLog,
        "d",
        replace={
            "message_id": f"{reply}.id",
            "error": f"CASE WHEN {reply}.id IS NULL THEN %s ELSE d.error END",
        },
    )
    names = typed_placeholders(AiReplyLog)
    sql = (
        f"logged AS (INSERT INTO {AiReplyLog._meta.db_table} ({', '.join(columns)}) "
        f"SELECT {values} FROM (SELECT {names}) d LEFT JOIN {reply} ON true)"
    )
    return sql, [discarded, *insert_params(log)]


def preview_reply(*, client: Client, message: str) -> ReplyDraft:
    """ "Try your assistant": the reply that would be sent to `message`. Nothing is sent or stored as a message."""
    draft = generate_reply(client=client, customer_text=message)
    reply_log_record(client=client, draft=draft, source=AiReplyLog.Source.PREVIEW)
    return draft
