"""Build the assistant's reply: persona + most relevant knowledge + recent conversation → provider.

`generate_reply` never raises and never returns an empty text: a provider failure falls back to
the offline answer, and the offline provider falls back to a polite handoff message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from ai.budget import budget_exceeded
from ai.greetings import is_click_to_chat_text
from ai.intake import IntakeStep, RequestCapture, intake_step, request_fields
from ai.matching import KnowledgeIndex, KnowledgeItem
from ai.models import Persona
from ai.phrases import MEDIA_NAMES, OFF_TOPIC_REASON, handoff_text, phrase, redirect_text
from ai.providers import OfflineProvider, ReplyProvider, get_provider
from ai.providers.base import ChatTurn, PersonaBrief, ProviderError, ProviderReply, ReplyRequest
from ai.scope import asks_for_off_topic_work
from ai.selectors import knowledge_index, persona_for
from ai.text import WHATSAPP_TEXT_LIMIT, cut_on_sentence, detect_language, fold
from core import metrics
from tenants.models import Client

logger = logging.getLogger(__name__)

PROMPT_KNOWLEDGE_ENTRIES = 8
BUDGET_REASON = "Monthly AI budget used up"


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that mean "let me talk to a person", matched as whole folded words.
HUMAN_REQUEST_WORDS = _w(
    "asesor asesora asesores humano humana agente agentes operador operadora representante "
    "encargado encargada gerente human agent representative operator"
)
# "persona"/"person" also appears in ordinary questions ("¿puede venir otra persona?"): it asks for
# a person only next to a contact verb, or in a short message ("una persona por favor").
PERSON_WORDS = _w("persona person")
CONTACT_VERB_STEMS = ("habl", "comunic", "pasar", "pasam", "pasen", "contact", "talk", "speak", "chat")
HUMAN_REQUEST_PHRASES = ("hablar con alguien", "talk to someone", "speak to someone", "persona real", "real person")
SHORT_MESSAGE_WORDS = 5


@dataclass
class ReplyDraft:
    """A reply ready to record, with what the log row needs."""

    text: str
    handoff: bool = False
    reason: str = ""
    language: str = "es"
    provider: str = ""
    model: str = ""
    latency_ms: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    fallback_used: bool = False
    error: str = ""
    knowledge_id: int | None = None
    # A request the customer confirmed (the caller records it), and the guided exchange's state to keep
    # with the conversation when `intake_changed` (None: no exchange under way).
    request: RequestCapture | None = None
    intake_state: dict | None = None
    intake_changed: bool = False


def persona_brief(persona: Persona) -> PersonaBrief:
    return PersonaBrief(
        business_name=persona.client.business_name,
        assistant_name=persona.assistant_name,
        description=persona.business_description,
        tone=persona.tone,
        greeting=persona.greeting,
        business_hours=persona.business_hours,
        timezone=persona.timezone,
        booking_instructions=persona.booking_instructions,
        address=persona.address,
        conversion_goal=persona.conversion_goal,
        never_say=persona.never_say,
        handoff_message=persona.handoff_message,
        max_reply_chars=persona.max_reply_chars,
        request_fields=request_fields(persona.request_fields),
    )


def reply_limit(persona: Persona) -> int:
    return max(1, min(WHATSAPP_TEXT_LIMIT, persona.max_reply_chars or WHATSAPP_TEXT_LIMIT))


def answer_language(persona: Persona, texts: Sequence[str]) -> str:
    """The persona's fixed language, or (for 'auto') the language of the customer's latest words."""
    if persona.language in ("es", "en"):
        return persona.language
    default = settings.LANGUAGE_CODE[:2] if settings.LANGUAGE_CODE[:2] in ("es", "en") else "es"
    for text in reversed(texts):
        if text:
            guessed = detect_language(text, default="")
            if guessed:
                return guessed
    return default


def _lines(value: str, *, commas: bool = True) -> list[str]:
    """Folded non-empty lines (and comma-separated items when `commas`)."""
    if commas:
        value = value.replace(",", "\n")
    return [fold(line) for line in value.splitlines() if fold(line)]


def customer_wants_person(text: str, persona: Persona) -> bool:
    # "por persona" / "per person" is a price question, not a request for a person.
    folded = f" {fold(text)} ".replace(" por persona ", " ").replace(" per person ", " ")
    words = set(folded.split())
    if words & HUMAN_REQUEST_WORDS:
        return True
    contact_verb = any(w.startswith(CONTACT_VERB_STEMS) for w in words)
    if words & PERSON_WORDS and (contact_verb or len(folded.split()) <= SHORT_MESSAGE_WORDS):
        return True
    triggers = [*HUMAN_REQUEST_PHRASES, *_lines(persona.handoff_keywords)]
    return any(f" {trigger} " in folded for trigger in triggers)


def forbidden_phrase(text: str, persona: Persona) -> str:
    """The first "never say" line (a phrase, one per line) that the reply contains verbatim, or ""."""
    folded = f" {fold(text)} "
    return next((line for line in _lines(persona.never_say, commas=False) if f" {line} " in folded), "")


def relevant_knowledge(index: KnowledgeIndex, text: str) -> list[KnowledgeItem]:
    """Best-ranked entries first, then the rest in order, up to PROMPT_KNOWLEDGE_ENTRIES."""
    chosen = [m.item for m in index.rank(text, limit=PROMPT_KNOWLEDGE_ENTRIES) if m.item is not None]
    for item in index.items:
        if len(chosen) >= PROMPT_KNOWLEDGE_ENTRIES:
            break
        if item not in chosen:
            chosen.append(item)
    return chosen


def _draft(reply: ProviderReply, *, provider: str, language: str, limit: int) -> ReplyDraft:
    return ReplyDraft(
        text=cut_on_sentence(reply.text, limit),
        handoff=reply.handoff,
        reason=reply.reason,
        language=language,
        provider=provider,
        model=reply.model,
        prompt_tokens=reply.prompt_tokens,
        completion_tokens=reply.completion_tokens,
        knowledge_id=reply.knowledge_id,
        request=reply.request,
    )


def generate_reply(
    *,
    client: Client,
    customer_text: str,
    history: Sequence[ChatTurn] = (),
    persona: Persona | None = None,
    provider: ReplyProvider | None = None,
    intake: dict | None = None,
) -> ReplyDraft:
    """The reply to `customer_text` (a burst, one message per line). Never raises, never empty.

    `intake` is the state of a guided request exchange under way in this conversation (see ai.intake); the
    draft says what to keep instead (`intake_changed`, `intake_state`) and carries a confirmed `request`.
    """
    persona = persona or persona_for(client=client)
    brief = persona_brief(persona)
    customer_turns = [t.text for t in history if t.role == "customer"]
    language = answer_language(persona, [*customer_turns, customer_text])
    limit = reply_limit(persona)
    if is_click_to_chat_text(customer_text, persona.click_to_chat_text):
        # The line the QR code typed for the customer: they are saying hello, whatever words it holds.
        text = persona.greeting.strip() or phrase("greeting", language, business=brief.business_name)
        return ReplyDraft(text=cut_on_sentence(text, limit), language=language, provider="rules")
    if customer_wants_person(customer_text, persona):
        text = cut_on_sentence(handoff_text(brief, language), limit)
        return ReplyDraft(
            text=text, handoff=True, reason="The customer asked for a person", language=language, provider="rules"
        )
    provider = provider or get_provider(model=client.ai_model)
    if provider.name == OfflineProvider.name:
        # Offline, requests are taken down by a short guided exchange; a model does it with its tool.
        step = intake_step(state=intake, text=customer_text, fields=brief.request_fields, language=language)
        if step is not None:
            return _intake_draft(step, language=language, limit=limit)
    stale_intake = provider.name != OfflineProvider.name and bool(intake)
    index = knowledge_index(client=client, facts=brief.facts())
    if asks_for_off_topic_work(customer_text, index):
        # A poem or homework is refused before any model is asked: nothing to pay for, nothing to slip through.
        text = cut_on_sentence(redirect_text(brief, language), limit)
        return ReplyDraft(text=text, reason=OFF_TOPIC_REASON, language=language, provider="rules")
    if isinstance(provider, OfflineProvider):
        provider = provider.with_index(index)  # the per-process index of this version, not one per message
    offline = provider if isinstance(provider, OfflineProvider) else OfflineProvider(index)
    if provider.name != offline.name:
        over = budget_exceeded(client=client)
        if over is not None and over.pauses:
            # Past a budget that pauses: no model call; people answer, as at the message allowance.
            text = cut_on_sentence(handoff_text(brief, language), limit)
            return ReplyDraft(text=text, handoff=True, reason=BUDGET_REASON, language=language, provider="rules")
        if over is not None:
            logger.info("AI budget (%s) of client %s exceeded; answering (allow_overage)", over.scope, client.pk)
    request = ReplyRequest(
        persona=brief, message=customer_text, language=language, history=list(history), now=timezone.now()
    )
    request.knowledge = index.items if provider.name == offline.name else relevant_knowledge(index, customer_text)
    started = time.perf_counter()
    spent = ProviderReply(text="")  # what a discarded model answer cost, for the log
    try:
        with metrics.AI_SECONDS.time(provider=provider.name):
            spent = provider.reply(request)
        forbidden = forbidden_phrase(spent.text, persona)
        if forbidden:
            raise ProviderError(f"the reply contained a phrase the persona forbids: {forbidden!r}")
        draft = _draft(spent, provider=provider.name, language=language, limit=limit)
    except Exception as error:  # noqa: BLE001 — never silence: any provider failure falls back offline
        logger.warning("AI provider %s failed, answering offline: %s", provider.name, error)
        metrics.AI_ERRORS.inc(provider=provider.name, error=type(error).__name__)
        draft = _draft(offline.reply(request), provider=offline.name, language=language, limit=limit)
        draft.fallback_used, draft.error = True, f"{provider.name}: {error}"[:2000]
        if spent.prompt_tokens or spent.completion_tokens:
            draft.model, draft.prompt_tokens, draft.completion_tokens = (
                spent.model,
                spent.prompt_tokens,
                spent.completion_tokens,
            )
    draft.latency_ms = round((time.perf_counter() - started) * 1000)
    if stale_intake:
        draft.intake_changed = True  # forget the offline exchange: the model goes on from the history
    if not draft.text.strip():
        draft.text, draft.handoff = handoff_text(brief, language), True
        draft.reason = draft.reason or "The assistant produced an empty reply"
    return draft


def _intake_draft(step: IntakeStep, *, language: str, limit: int) -> ReplyDraft:
    return ReplyDraft(
        text=cut_on_sentence(step.text, limit),
        reason=step.reason,
        language=language,
        provider="offline",
        model="guided-request",
        request=step.capture,
        intake_state=step.state,
        intake_changed=True,
    )


def acknowledge_non_text(*, kind: str, persona: Persona, language: str) -> ReplyDraft:
    """A sensible answer to a burst with no text at all: a voice note, a picture, a location…"""
    brief = persona_brief(persona)
    if kind == "order":
        return ReplyDraft(
            text=phrase("order", language),
            handoff=True,
            reason="The customer sent an order",
            language=language,
            provider="rules",
        )
    if kind == "request_welcome":
        # The customer opened the chat for the first time (Meta's welcome-message event): greet them.
        text = persona.greeting or phrase("greeting", language, business=brief.business_name)
    elif kind in MEDIA_NAMES:
        text = phrase("media", language, what=MEDIA_NAMES[kind].get(language, MEDIA_NAMES[kind]["es"]))
    elif kind in ("audio", "sticker", "location", "contacts"):
        text = phrase(kind, language)
    else:
        text = phrase("unsupported", language)
    return ReplyDraft(
        text=cut_on_sentence(text, reply_limit(persona)) or handoff_text(brief, language),
        language=language,
        provider="rules",
    )
