"""The offline provider: answers from the client's knowledge base and persona facts, greets, redirects
off-topic requests to the business, or hands off when it is not confident (see ai/matching.py)."""

from __future__ import annotations

from django.conf import settings

from ai.lexicon import GREETING_OPENERS, GREETINGS, STOP_WORDS, THANKS
from ai.matching import KnowledgeIndex, Match
from ai.phrases import OFF_TOPIC_REASON, handoff_text, phrase, redirect_text
from ai.providers.base import PersonaBrief, ProviderReply, ReplyProvider, ReplyRequest
from ai.scope import OFF_TOPIC_MIN_CONFIDENCE, asks_for_off_topic_work, mentions_off_topic_subject
from ai.text import words

MODEL = "knowledge-base"


def _only(tokens: list[str], allowed: frozenset[str]) -> bool:
    """Nothing but these words (and stop words), at least one of them: "hola, buenas" but not "¿hacen uñas?"."""
    return any(t in allowed for t in tokens) and all(t in allowed or t in STOP_WORDS for t in tokens)


def redirect_reply(persona: PersonaBrief, language: str) -> ProviderReply:
    """The polite "I only help with this business" answer; not a handoff: nobody needs to step in."""
    return ProviderReply(
        text=redirect_text(persona, language),
        off_topic=True,
        reason=OFF_TOPIC_REASON,
        model=MODEL,
        source="redirect",
    )


def _answer(match: Match, persona: PersonaBrief, language: str) -> ProviderReply:
    if match.item is not None:
        return ProviderReply(text=match.item.answer, model=MODEL, knowledge_id=match.item.id, source="knowledge")
    value = persona.facts()[match.fact]
    return ProviderReply(text=phrase(match.fact, language, value=value), model=MODEL, source=match.fact)


class OfflineProvider(ReplyProvider):
    name = "offline"

    def __init__(self, index: KnowledgeIndex | None = None, *, min_confidence: float | None = None):
        self._index = index  # a built index (the per-client cache, bench); else built per request
        self.min_confidence = settings.AI_MATCH_MIN_CONFIDENCE if min_confidence is None else min_confidence

    def with_index(self, index: KnowledgeIndex) -> OfflineProvider:
        """This provider (its threshold kept) reading a built index, unless it already reads one."""
        return self if self._index is not None else OfflineProvider(index, min_confidence=self.min_confidence)

    @staticmethod
    def index_for(request: ReplyRequest) -> KnowledgeIndex:
        return KnowledgeIndex(request.knowledge, request.persona.facts())

    def reply(self, request: ReplyRequest) -> ProviderReply:
        persona, language, text = request.persona, request.language, request.message
        tokens = words(text)
        index = self._index or self.index_for(request)
        if _only(tokens, GREETINGS | {"buen"}) and any(t in GREETING_OPENERS for t in tokens):
            greeting = persona.greeting or phrase("greeting", language, business=persona.business_name)
            return ProviderReply(text=greeting, model=MODEL, source="greeting")
        if _only(tokens, THANKS | GREETINGS) and any(t in THANKS for t in tokens):
            return ProviderReply(text=phrase("thanks", language), model=MODEL, source="thanks")
        if asks_for_off_topic_work(text, index):
            return redirect_reply(persona, language)
        off_topic = mentions_off_topic_subject(text, index)
        bar = max(self.min_confidence, OFF_TOPIC_MIN_CONFIDENCE) if off_topic else self.min_confidence
        match = index.best(text, min_confidence=bar)
        if match is not None:
            reply = _answer(match, persona, language)
            if tokens[0] in GREETING_OPENERS:
                reply.text = phrase("hello_prefix", language) + reply.text
            return reply
        if off_topic:
            return redirect_reply(persona, language)
        return ProviderReply(
            text=handoff_text(persona, language),
            handoff=True,
            reason="The assistant had no answer in the knowledge base",
            model=MODEL,
            source="handoff",
        )
