"""The offline provider: answers from the client's knowledge base, greets, states the hours, or hands off."""

from __future__ import annotations

from ai.lexicon import GREETINGS, STOP_WORDS, THANKS
from ai.matching import KnowledgeIndex
from ai.phrases import handoff_text, phrase
from ai.providers.base import ProviderReply, ReplyProvider, ReplyRequest
from ai.text import words


def _only(tokens: list[str], allowed: frozenset[str]) -> bool:
    return bool(tokens) and all(t in allowed or t in STOP_WORDS for t in tokens)


class OfflineProvider(ReplyProvider):
    name = "offline"

    def __init__(self, index: KnowledgeIndex | None = None):
        self._index = index  # reuse a built index (bench, preview loops); else built per request

    def reply(self, request: ReplyRequest) -> ProviderReply:
        persona, language = request.persona, request.language
        tokens = words(request.message)
        index = self._index or KnowledgeIndex(request.knowledge)
        match = index.best_answer(request.message)
        if match is not None:
            prefix = phrase("hello_prefix", language) if tokens and tokens[0] in GREETINGS else ""
            return ProviderReply(text=prefix + match.item.answer, model="knowledge-base", knowledge_id=match.item.id)
        if _only(tokens, GREETINGS):
            text = persona.greeting or phrase("greeting", language, business=persona.business_name)
            return ProviderReply(text=text, model="knowledge-base")
        if _only(tokens, THANKS | GREETINGS):
            return ProviderReply(text=phrase("thanks", language), model="knowledge-base")
        asked = index.query_tokens(request.message)
        if "horario" in asked and persona.business_hours:
            return ProviderReply(text=phrase("hours", language, hours=persona.business_hours), model="knowledge-base")
        if "reserva" in asked and persona.booking_instructions:
            text = phrase("booking", language, how=persona.booking_instructions)
            return ProviderReply(text=text, model="knowledge-base")
        return ProviderReply(
            text=handoff_text(persona, language),
            handoff=True,
            reason="The assistant had no answer in the knowledge base",
            model="knowledge-base",
        )
