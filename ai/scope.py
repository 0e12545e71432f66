"""What the assistant is for: this business only. Meta's WhatsApp Business terms (from 15 January 2026)
forbid general-purpose AI assistants, so requests for poems, homework, general knowledge or other
companies' affairs get a short redirect to what the business offers instead of an answer.
"""

from __future__ import annotations

from ai.lexicon import OFF_TOPIC_SUBJECTS, OFF_TOPIC_TASKS
from ai.matching import KnowledgeIndex, stem
from ai.text import words

# A question that names a general-knowledge subject ("¿cuántos habitantes tiene Medellín?") is answered
# from the business only when an entry or fact covers this much of it; otherwise it is redirected.
OFF_TOPIC_MIN_CONFIDENCE = 0.75


def asks_for_off_topic_work(text: str, index: KnowledgeIndex) -> bool:
    """A task no business assistant does ("escríbeme un poema", "mi tarea"), unless the business uses the word."""
    return any(w in OFF_TOPIC_TASKS and stem(w) not in index.vocabulary for w in words(text))


def mentions_off_topic_subject(text: str, index: KnowledgeIndex) -> bool:
    """General knowledge or news ("la capital de Japón", "el dólar hoy"): a sign, weighed with the match."""
    return any(w in OFF_TOPIC_SUBJECTS and stem(w) not in index.vocabulary for w in words(text))
