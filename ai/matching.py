"""Ranked matching of a customer's question against a client's knowledge base, without a model.

Robust to accents and case (folding), typos (each unknown word is corrected to the closest word the
knowledge base or lexicon knows, by difflib ratio or a shared stem), plurals (a light stemmer), and
paraphrase (synonym groups, IDF-weighted token overlap, character trigram similarity).
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from ai.lexicon import STOP_WORDS, SYNONYM_GROUPS
from ai.text import fold

CANONICAL: dict[str, str] = {}
for _canonical, _group in SYNONYM_GROUPS.items():
    for _word in _group:
        CANONICAL.setdefault(_word, _canonical)

QUESTION_WEIGHT, ANSWER_WEIGHT, TRIGRAM_WEIGHT = 0.6, 0.25, 0.15
MIN_SCORE = 0.32
TYPO_CUTOFF = 0.79  # difflib ratio above which an unknown word is read as a known one
UNKNOWN_WORD_WEIGHT = 1.5
ANSWER_ONLY_WEIGHT, NOTE_WEIGHT = 0.55, 0.8


@dataclass(frozen=True)
class KnowledgeItem:
    """A knowledge entry as plain data (question empty for a free-text note)."""

    id: int | None
    question: str
    answer: str


@dataclass(frozen=True)
class Match:
    item: KnowledgeItem
    score: float


def stem(word: str) -> str:
    """Strip a plural ending: "horarios" → "horario", "ciudades" → "ciudad", "hours" → "hour"."""
    if len(word) > 4 and word.endswith("es") and word[-3] in "dlnrjz":
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _similar(a: str, b: str, cutoff: float) -> float:
    """Similarity of two words in 0..1, or 0 when it is certainly below `cutoff` (cheap bounds first)."""
    if a == b:
        return 1.0
    if min(len(a), len(b)) >= 6 and a[:6] == b[:6]:
        return 0.85  # same stem, different ending ("blanquearme" / "blanqueamiento")
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() <= cutoff or matcher.quick_ratio() <= cutoff:
        return 0.0
    return matcher.ratio()


def _trigrams(text: str) -> Counter:
    padded = f"  {text} "
    return Counter(padded[i : i + 3] for i in range(len(padded) - 2))


def _cosine(a: Counter, b: Counter) -> float:
    if not a or not b:
        return 0.0
    dot = sum(v * b[k] for k, v in a.items() if k in b)
    return dot / math.sqrt(sum(v * v for v in a.values()) * sum(v * v for v in b.values()))


def content_words(text: str) -> list[str]:
    """Folded, stemmed words without stop words (before synonym mapping)."""
    return [stem(w) for w in fold(text).split() if w not in STOP_WORDS and len(w) > 1]


LEXICON_VOCABULARY = frozenset(stem(w) for w in CANONICAL) | frozenset(CANONICAL)


class KnowledgeIndex:
    """Pre-computed tokens and weights of one client's knowledge base; `rank` answers a question."""

    def __init__(self, items: Iterable[KnowledgeItem]):
        self.items: list[KnowledgeItem] = list(items)
        self._question_tokens = [self._canonical(content_words(i.question)) for i in self.items]
        self._answer_tokens = [self._canonical(content_words(i.answer)) for i in self.items]
        self._question_grams = [_trigrams(fold(i.question)) for i in self.items]
        self._corrections: dict[str, str] = {}
        self.vocabulary = LEXICON_VOCABULARY | {
            w for i in self.items for w in content_words(f"{i.question} {i.answer}")
        }
        df: Counter = Counter()
        for q, a in zip(self._question_tokens, self._answer_tokens, strict=True):
            df.update(q | a)
        n = len(self.items)
        self._idf = {t: math.log((n + 1) / (c + 0.5)) + 1 for t, c in df.items()}
        # A word the knowledge base never uses cannot tell entries apart; it only dilutes the match a little.
        self._unknown_idf = UNKNOWN_WORD_WEIGHT

    @staticmethod
    def _canonical(words: Iterable[str]) -> set[str]:
        return {CANONICAL.get(w, w) for w in words}

    def _correct(self, word: str) -> str:
        """The closest known word for a misspelled one (or the word itself)."""
        if word in self.vocabulary or len(word) < 4 or word.isdigit():
            return word
        if word in self._corrections:
            return self._corrections[word]
        best, best_score = word, TYPO_CUTOFF
        for known in self.vocabulary:
            if abs(len(known) - len(word)) <= 3 or known[:6] == word[:6]:
                score = _similar(word, known, best_score)
                if score > best_score:
                    best, best_score = known, score
        self._corrections[word] = best
        return best

    def query_tokens(self, text: str) -> set[str]:
        return self._canonical(self._correct(w) for w in content_words(text))

    def _weight(self, tokens: set[str]) -> float:
        return sum(self._idf.get(t, self._unknown_idf) for t in tokens)

    def rank(self, text: str, *, limit: int = 5) -> list[Match]:
        """Entries ordered by relevance to `text`, best first (scores in 0..1)."""
        query = self.query_tokens(text)
        if not query or not self.items:
            return []
        query_weight = self._weight(query)
        grams = _trigrams(fold(text))
        matches = []
        for index, item in enumerate(self.items):
            question, answer = self._question_tokens[index], self._answer_tokens[index]
            answer_recall = self._weight(query & answer) / query_weight
            if item.question:
                dice = 2 * self._weight(query & question) / (query_weight + self._weight(question))
                trigram = _cosine(grams, self._question_grams[index])
                score = QUESTION_WEIGHT * dice + ANSWER_WEIGHT * answer_recall + TRIGRAM_WEIGHT * trigram
                # An answer that contains everything asked is a match even if its question is worded apart.
                if answer_recall > 0.99:
                    score = max(score, ANSWER_ONLY_WEIGHT)
                overlap = bool(query & (question | answer))
            else:  # a free-text note is judged on how much of the question it covers
                score = NOTE_WEIGHT * answer_recall
                overlap = bool(query & answer)
            if overlap:
                matches.append(Match(item=item, score=round(score, 4)))
        matches.sort(key=lambda m: m.score, reverse=True)
        return matches[:limit]

    def best_answer(self, text: str, *, min_score: float = MIN_SCORE) -> Match | None:
        ranked = self.rank(text, limit=1)
        return ranked[0] if ranked and ranked[0].score >= min_score else None
