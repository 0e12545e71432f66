"""Free-text notes cut into passages, so retrieval finds the paragraph that answers and a prompt carries
only that paragraph, not the whole note (a note may hold pages: a price list, policies, a menu)."""

from __future__ import annotations

import re

PASSAGE_CHARS = 500  # about 120 tokens: a paragraph, a few sentences
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n")


def _pieces(paragraph: str, limit: int) -> list[str]:
    """A long paragraph as runs of whole sentences of at most `limit` characters (a longer sentence alone)."""
    pieces: list[str] = []
    current = ""
    for sentence in (s.strip() for s in _SENTENCE_END.split(paragraph)):
        if not sentence:
            continue
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return pieces


def note_passages(text: str, *, limit: int = PASSAGE_CHARS) -> list[str]:
    """The note's paragraphs (blank-line separated), each cut on sentences when longer than `limit`."""
    passages: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text.strip()):
        paragraph = paragraph.strip()
        if not paragraph:
            continue
        passages += [paragraph] if len(paragraph) <= limit else _pieces(paragraph, limit)
    return passages
