"""Retrieval of the entry (or persona fact) that answers a customer's question, without a model.

Built on maintained pieces: BM25 ranking (`bm25s`) over each entry's question and answer and over the
persona's own facts (hours, address, booking), the Snowball Spanish stemmer (`PyStemmer`), typo
tolerance against the index's own vocabulary (`rapidfuzz`), accent folding (`ai.text.fold`) and the
synonym groups of `ai.lexicon`.

BM25 orders the candidates; whether the best one answers is a separate question, because BM25 scores
have no scale. The confidence of a candidate is the share of what the customer asked that it covers:
the IDF weight of the query's terms found in it over the weight of all of them, where a word the
index has never seen (after typo correction) still weighs in — "¿venden repuestos de moto?" shares
"moto" with a parking entry but covers a third of the question. Below the threshold the assistant
hands off rather than guesses.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import bm25s
import numpy as np
import Stemmer
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from ai.lexicon import (
    ENYE_STOP_WORDS,
    FACT_QUESTIONS,
    GENERIC_WORDS,
    GREETINGS,
    INTENT_GROUPS,
    MATCH_NOISE,
    OFF_TOPIC_SUBJECTS,
    OFF_TOPIC_TASKS,
    PHRASES,
    STOP_WORDS,
    SYNONYM_GROUPS,
)
from ai.text import fold

# Defaults of the setting AI_MATCH_MIN_CONFIDENCE and of the ranking, tuned on bench/ai_data (not the holdouts).
MIN_CONFIDENCE = 0.44
QUESTION_REPEAT = 2  # a question's words count twice: they say what the entry is about
UNKNOWN_WEIGHT = 0.3  # a word the index never saw, as a share of the weight of its rarest word
ANSWER_ONLY = 0.5  # a word found only in an entry's answer covers the question this much (its question: 1)
ANSWER_ONLY_COMPLETE = 0.65  # the same when the document has every word of the question that names a subject
# The matched words must weigh this share of the rarest word: "¿cuánto cuesta?" alone is too vague.
MIN_EVIDENCE = 0.5
# That bar rises with the size of the base (the rarest word's IDF grows with it): with 500 entries a word
# found in a tenth of them falls short although an entry may be about nothing else ("¿Tienen catálogo?").
# A document whose own question the customer's words cover this much (`Match.focus`) needs only the IDF of
# a word found in EVIDENCE_DF_SHARE of the documents — about the bar of a 30-entry base, at any size.
EVIDENCE_DF_SHARE, FOCUSED = 0.25, 0.75
FOCUS_BONUS = 0.2  # ordering only: an entry whose own question the message covers (focus ≥ FOCUSED) goes first
# Candidates within this confidence of the best, and whose BM25 score is within this ratio, are a tie.
AMBIGUOUS_CONFIDENCE, AMBIGUOUS_SCORE_RATIO = 0.05, 1.25
# A thing the message names beside what it wants done ("un pedido", "unos tenis"), in an entry that answers
# that intent but does not name the thing: it weighs this share of its weight (the entry is about the intent).
OBJECT_WEIGHT = 0.5
CLAUSE_SUPPORT = 0.5  # a part of a long message answers when the whole covers this share of the bar
CANDIDATES = 20  # BM25's best documents weighed (besides those whose question has a word of the message)
TYPO_MIN_LENGTH, TYPO_CUTOFF = 4, 80  # rapidfuzz ratio (0..100) from which an unknown word reads as a known one
# A short word is another word, not a typo, when two letters differ: "casa" is no "camisa", "viene" no "viernes",
# "medida" no "mediodía" (an ending added is an inflection: "cordal" is "cordales").
SHORT_WORD, SHORT_WORD_EDITS = 6, 1
BM25_K1, BM25_B = 1.2, 0.5
SYNONYM_MARK = "="  # canonical synonym tokens never collide with a stem
PHRASE_SIZES = sorted({len(p.split()) for p in PHRASES}, reverse=True)  # longest phrase first

# bm25s sets its logger to DEBUG when imported and reports every index it builds: keep it to warnings.
logging.getLogger("bm25s").setLevel(logging.WARNING)

_WORD = re.compile(r"\w+")
_CLITIC_AFTER_INFINITIVE = re.compile(r"(?<=[aei]r)(?:me|te|le|lo|la|nos|les|los|las|se)$")
# A word followed by "de"/"del"/"con" and the word it is of or with ("limpieza del computador", "implante de
# cabello", "cita con el dermatólogo"). Not "para" ("parqueo para carros" is the parking) nor "en" (a place).
_QUALIFIED = re.compile(
    r"(?=\b([a-z]+) (?:de|del|con) (?:(?:el|la|los|las|un|una|unos|unas|mi|mis|su|sus|tu|tus) )?([a-z]+)\b)"
)
QUALIFIED_MARK = "~"  # a head word read as part of something unknown: a term no document has
_CLAUSE = re.compile(r"[,.;:!?¿¡\n]+")
_QUESTION = re.compile(r"([^,.;:!?¿¡\n]+)\?")
_local = threading.local()


@dataclass(frozen=True)
class KnowledgeItem:
    """A knowledge entry as plain data (question empty for a free-text note)."""

    id: int | None
    question: str
    answer: str


@dataclass(frozen=True)
class Match:
    """A candidate answer: a knowledge item, or one of the persona's facts (`fact` = "hours", …)."""

    item: KnowledgeItem | None
    fact: str
    score: float  # BM25, for ordering only
    confidence: float  # share of the question it covers, 0..1
    focus: float = 0.0  # share of its own question that the customer's words cover, 0..1 (a tie-break)
    # An entry the business wrote about one of its persona's facts ("¿Dónde quedan?" beside the address):
    # at equal confidence it answers rather than the fact, in the owner's words.
    restates: bool = False
    # How many of the things the message wants done (`INTENT_GROUPS`: ship, pay, change…) its own question has,
    # and how many it has that the message does not ask ("¿Cómo cancelo o cambio mi cita?" for "quiero una
    # cita": cancelling and changing).
    intents: int = 0
    other_intents: int = 0

    @property
    def intent(self) -> bool:
        return self.intents > 0


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The Snowball Spanish stem of a folded word ("horarios" → "horari"); one stemmer per thread."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe
        stemmer = _local.stemmer = Stemmer.Stemmer("spanish")
    return stemmer.stemWord(word)


CANONICAL: dict[str, str] = {}
for _canonical, _group in SYNONYM_GROUPS.items():
    for _word in _group:
        CANONICAL.setdefault(stem(_word), SYNONYM_MARK + _canonical)
# Words that ask what something costs, not what it is: "¿cuánto cuesta un iPhone?" names no subject we have.
INTENT_TERMS = frozenset({SYNONYM_MARK + "precio"})
# Words that say what kind of answer is wanted (when, where, how much), not about what.
WHERE = SYNONYM_MARK + "ubicacion"
ASKING_TERMS = frozenset(SYNONYM_MARK + g for g in ("precio", "horario", "ubicacion", "atencion"))
INTENT_TERMS_OF_ACTION = frozenset(SYNONYM_MARK + g for g in INTENT_GROUPS)
LEXICON_WORDS = frozenset(w for group in SYNONYM_GROUPS.values() for w in group)
ABOUT = "about"  # the facts' key of the business's own name and description (context, not an answer)
# Words the lexicon knows are spelt right: "dólar" must not be read as a misspelt "dolor".
NOT_TYPOS = LEXICON_WORDS | OFF_TOPIC_TASKS | OFF_TOPIC_SUBJECTS | GREETINGS | GENERIC_WORDS  # "cerca" is not "cera"


def _joined(words: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Set phrases as one word ("contra entrega" → "contraentrega"), before stop words drop their parts."""
    joined, i = [], 0
    while i < len(words):
        for size in PHRASE_SIZES:
            phrase = PHRASES.get(" ".join(w for _, w in words[i : i + size])) if i + size <= len(words) else None
            if phrase:
                joined.append((phrase, phrase))
                i += size
                break
        else:
            joined.append(words[i])
            i += 1
    return joined


def _asking_verb(word: str) -> bool:
    """An asking word with a pronoun: "pedirla", "hacerlo", "decirme" (the stop words "pedir", "hacer")."""
    bare = _CLITIC_AFTER_INFINITIVE.sub("", word)
    return bare != word and bare in STOP_WORDS


def content_words(text: str) -> list[str]:
    """Folded words without stop words. A word typed with "ñ" is kept: "uñas" is not the stop word "unas"."""
    return [word for slot in alternatives(text) for word in slot]


_OR = frozenset({"o", "u", "or"})


def alternatives(text: str) -> list[list[str]]:
    """The content words of a text, a word joined by "o" to the one before in the same slot: "¿Hacen
    eventos o celebraciones?" → [["eventos", "celebraciones"]]; a question asking either is about it all."""
    folded = [(raw, word) for raw in _WORD.findall(text.lower()) for word in fold(raw).split()]
    slots: list[list[str]] = []
    joined = False  # the last word was "o" right after a content word
    for raw, word in _joined(folded):
        # Numbers ("para 4", "talla 42") tell no entry apart from another.
        if (
            (("ñ" in raw and raw not in ENYE_STOP_WORDS) or word not in STOP_WORDS)
            and len(word) > 1
            and not word.isdigit()
            and word not in MATCH_NOISE
            and not _asking_verb(word)
        ):
            if joined:
                slots[-1].append(word)
            else:
                slots.append([word])
            joined = False
        else:
            joined = word in _OR and bool(slots) and not joined
    return slots


def terms_of(word: str) -> list[str]:
    """The index terms of a folded word: its stem, and its synonym group's token when it has one.

    Keeping the stem beside the group token lets the customer's own word count more than a synonym.
    """
    stemmed = stem(word)
    group = CANONICAL.get(stemmed)
    return [stemmed, group] if group else [stemmed]


GENERIC_TERMS = frozenset(t for w in GENERIC_WORDS | LEXICON_WORDS for t in terms_of(w))
# Everyday words of any business ("día", "semana", "tienda"): never the evidence that an entry answers,
# though they count in its coverage ("¿qué día es hoy?" is not the booking entry's "el día y la hora").
EVERYDAY_TERMS = frozenset(t for w in GENERIC_WORDS - LEXICON_WORDS for t in terms_of(w)) - {
    t for w in LEXICON_WORDS for t in terms_of(w)
}


_DIMINUTIVE = re.compile(r"(?:c|ic)?it([oa]s?)$")


def _without_diminutive(word: str) -> str:
    """ "perrito" → "perro", "limpiezita" → "limpieza": Colombian Spanish shrinks what it asks for."""
    if len(word) < 7:
        return word
    return _DIMINUTIVE.sub(r"\1", word)


# Spanish verb endings (infinitives with or without a pronoun, common present and past forms). Only words
# the business never uses are tested, and short ones never ("pan", "plan" are nouns).
_VERB_ENDING = re.compile(
    r"(?:ar|er|ir)(?:me|te|le|lo|la|nos|les|los|las|se)?$|(?:an|en|amos|emos|imos|aron|ieron|aba|aban|ando|iendo)$"
)
VERB_MIN_LENGTH = 5


_CLITIC = re.compile(r"(?:me|te|le|lo|la|nos|les|los|las|se)$")
ROOT_MIN_LENGTH = 5


def verb_root(word: str) -> str:
    """The root of an infinitive, its pronoun dropped ("blanquearse" → "blanque", "depilarme" → "depil"):
    what a noun of the same family starts with ("blanqueamiento", "depilación"); "" when too short."""
    bare = _CLITIC.sub("", word) if len(word) > 6 else word
    if bare[-2:] not in ("ar", "er", "ir"):
        return ""
    root = bare[:-2]
    return root if len(root) >= ROOT_MIN_LENGTH else ""


def looks_like_verb(word: str) -> bool:
    """ "arreglarme", "trabajan", "consiguieron": how a customer asks, not what about."""
    return len(word) >= VERB_MIN_LENGTH and bool(_VERB_ENDING.search(word))


# Letters Colombian Spanish spells one for another at the start of a word ("sapatos", "bacuna", "kiero");
# an "h" is often dropped or added ("ora", "hacen" → "acen").
_ONSET = {"z": "s", "c": "s", "v": "b", "k": "q", "w": "g", "y": "l"}


def same_onset(typed: str, known: str) -> bool:
    """Whether a misspelt word can be the known one: misspellings keep the first sound ("limpiesa" →
    "limpieza", "sapatos" → "zapatos"), while "canina" is no "niña" however close the letters."""
    typed, known = typed.removeprefix("h"), known.removeprefix("h")
    if not typed or not known:
        return False
    a, b = typed[0], known[0]
    if a == b or _ONSET.get(a, a) == _ONSET.get(b, b):
        return True
    return {a, b} <= {"c", "q", "k"}  # "c" before a, o, u is a "k" sound: "kaja", "qeso"


class KnowledgeIndex:
    """One client's entries and persona facts, ranked by BM25; `best` says which one answers, if any."""

    def __init__(self, items: Iterable[KnowledgeItem], facts: Mapping[str, str] | None = None):
        self.items: list[KnowledgeItem] = list(items)
        self.facts = {name: text for name, text in (facts or {}).items() if text and name in FACT_QUESTIONS}
        # Words the business uses about itself (its name, its description) and everyday words of any
        # business: not answers, but a question about the hours or the address that uses them is about us.
        about = (facts or {}).get(ABOUT, "")
        self._own = {t for w in content_words(about) for t in terms_of(w)}
        self._familiar = GENERIC_TERMS | self._own
        self._documents: list[tuple[KnowledgeItem | None, str]] = [(item, "") for item in self.items]
        self._documents += [(None, name) for name in self.facts]
        surface: set[str] = set(LEXICON_WORDS)
        corpus: list[list[str]] = []
        self._asked: list[set[str]] = []  # each document's question terms
        self._slots: list[list[set[str]]] = []  # and its question's stems, alternatives ("a o b") together
        for item, fact in self._documents:
            question, answer = (item.question, item.answer) if item else (FACT_QUESTIONS[fact], self.facts[fact])
            question_words, answer_words = content_words(question), content_words(answer)
            surface.update(question_words, answer_words)
            asked = [t for w in question_words for t in terms_of(w)]
            self._slots.append([{stem(w) for w in slot} for slot in alternatives(question)])
            corpus.append(asked * QUESTION_REPEAT + [t for w in answer_words for t in terms_of(w)])
            self._asked.append(set(asked))
        self._terms = [set(tokens) for tokens in corpus]
        facts_asked = [self._asked[p] for p, (item, _) in enumerate(self._documents) if item is None]
        self._restates = [
            item is not None and bool(asked) and any(asked <= fact for fact in facts_asked)
            for (item, _), asked in zip(self._documents, self._asked, strict=True)
        ]
        self._asking: dict[str, list[int]] = {}  # term → the documents whose question has it
        for position, asked_terms in enumerate(self._asked):
            for term in asked_terms:
                self._asking.setdefault(term, []).append(position)
        self.vocabulary = frozenset().union(*self._terms)
        self._surface = sorted(surface)
        self._idf = self._idf_of(self._terms)
        self._rarest = math.log(1 + (len(corpus) - 0.5) / 1.5) if corpus else 1.0  # a word in one document
        common = EVIDENCE_DF_SHARE * len(corpus)
        self._focused_bar = math.log(1 + (len(corpus) - common + 0.5) / (common + 0.5)) if corpus else 0.0
        self._evidence_bar = MIN_EVIDENCE * self._rarest
        self._focused_bar = min(self._focused_bar, self._evidence_bar)
        self._bm25 = None
        if any(corpus):
            self._bm25 = bm25s.BM25(k1=BM25_K1, b=BM25_B)
            self._bm25.index(corpus, show_progress=False)

    @staticmethod
    def _idf_of(documents: list[set[str]]) -> dict[str, float]:
        df = Counter(t for terms in documents for t in terms)
        n = len(documents)
        return {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}

    def _correct(self, word: str) -> str:
        """The closest word the index or lexicon knows for a misspelled one, or the word itself."""
        if len(word) < TYPO_MIN_LENGTH or word in NOT_TYPOS:
            return word
        found = process.extract(word, self._surface, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF, limit=5)
        corrected = next(
            (known for known, _, _ in found if same_onset(word, known) and self._typo_of(word, known)), word
        )
        if corrected == word and (root := verb_root(word)):
            # A verb the index has as a noun of its family: "blanquearse" asks about "blanqueamiento".
            family = [known for known in self._surface if known.startswith(root) and known != word]
            corrected = min(family, key=len) if family else word
        return corrected

    @staticmethod
    def _typo_of(typed: str, known: str) -> bool:
        """Whether `typed` can be a slip for `known`: a short word differs by one letter at most, or by its ending."""
        return (
            len(typed) > SHORT_WORD or known.startswith(typed) or Levenshtein.distance(typed, known) <= SHORT_WORD_EDITS
        )

    def query_words(self, text: str) -> list[tuple[str, ...]]:
        """The question's words as index terms (each its stem and synonym token), typos corrected."""
        return self._query(text)[0]

    def _query(self, text: str) -> tuple[list[tuple[str, ...]], bool, frozenset[tuple[str, ...]]]:
        """The question's words as index terms, and whether one names something this business never mentions
        (an unknown verb, "consigo", is the customer's own way of asking; an unknown noun, "el banco",
        "Madrid", "la embajada", is someone else), and the words that name things rather than actions."""
        found: list[tuple[str, ...]] = []
        foreign = False
        things: set[tuple[str, ...]] = set()
        read: dict[str, tuple[str, ...]] = {}
        for word in content_words(text):
            tokens = terms_of(word)
            if not any(t in self.vocabulary for t in tokens):
                if any(t in self._familiar for t in tokens):
                    continue  # "la tienda", "los domingos": says it is about us, not which answer
                tokens = terms_of(self._correct(_without_diminutive(word)))
            read[word] = tuple(tokens)
            if not looks_like_verb(word):
                things.add(tuple(tokens))
            if self._unknown(tuple(tokens)):
                foreign = foreign or not looks_like_verb(word)
        # "una limpieza del computador", "un implante de cabello": the customer's thing is the head word
        # of something this business never mentions, so no entry about the head word is about it.
        qualified = {
            head
            for head, modifier in _QUALIFIED.findall(fold(text))
            if head in read
            and modifier in read
            and self._foreign_to_us(read[modifier])
            and not looks_like_verb(modifier)
            and not self._unknown(read[head])
        }
        for word, tokens in read.items():
            if word in qualified:  # still weighs what it weighed, but no document has it
                tokens = tuple(QUALIFIED_MARK + t for t in tokens)
            if tokens not in found:
                found.append(tokens)
        return found, foreign, frozenset(things)

    def _foreign_to_us(self, word: tuple[str, ...]) -> bool:
        """A word this business never uses, even one the lexicon knows from other businesses ("almuerzo" at
        a clothing shop): what a business word is "of" or "with" ("un domicilio de almuerzo")."""
        return not any(t in self.vocabulary or t in self._own or t in EVERYDAY_TERMS for t in word)

    def _unknown(self, word: tuple[str, ...]) -> bool:
        """A word neither the index, the business's own description nor everyday business talk has."""
        return not any(t in self.vocabulary or t in self._familiar for t in word)

    def _weight(self, word: tuple[str, ...]) -> float:
        """How much a word tells: the IDF of its rarest known term; a price word or an unknown word little."""
        if word[0].startswith(QUALIFIED_MARK):
            return self._weight(tuple(t.removeprefix(QUALIFIED_MARK) for t in word))
        known = [self._idf[t] for t in word if t in self._idf]
        if not known or word[-1] in INTENT_TERMS:
            return UNKNOWN_WEIGHT * self._rarest
        return max(known)

    def _coverage(
        self, words: list[tuple[str, ...]], position: int, *, foreign: bool, things: frozenset[tuple[str, ...]]
    ) -> tuple[float, float]:
        """The weight of the question's words this document has (a word in its question counts fully)
        and the part of it that names a subject rather than asks a price (`foreign`: `_query`)."""
        asked, present = self._asked[position], self._terms[position]
        covered = evidence = 0.0
        on_topic = self._documents[position][0] is not None  # an entry, or a fact asked about
        # Everything the customer asked about is in this document: a word found only in its answer ("¿precio
        # de las uñas?", uñas in the manicure's prices) says more than beside a word it lacks ("¿venden
        # repuestos para moto?" and a parking answer naming motorbikes). This document, not the business:
        # whether "repuestos" is known to the business depends on what else its base holds.
        complete = all(any(t in present for t in word) for word in words if not any(t in ASKING_TERMS for t in word))
        answer_only = ANSWER_ONLY_COMPLETE if complete else ANSWER_ONLY
        subject = False
        for word in words:
            if any(t in asked for t in word):
                share, on_topic = self._weight(word), True
                subject = subject or not any(t in ASKING_TERMS for t in word)
            elif any(t in present for t in word):
                share = self._weight(word) * answer_only
                subject = subject or not any(t in ASKING_TERMS for t in word)
            else:
                continue
            covered += share
            evidence += 0.0 if word[-1] in INTENT_TERMS or word[0] in EVERYDAY_TERMS else share
        # A persona fact that merely mentions a word (booking: "…el día y la hora") is not about it. A question
        # about our hours or address, or one that matches only on "when / where / how much", that names what
        # this business never mentions ("¿dónde queda la embajada?", "¿a qué hora abre el banco?") asks about
        # someone else.
        # An entry that restates a fact ("¿Dónde quedan?") is read as that fact.
        as_fact = self._documents[position][0] is None or self._restates[position]
        elsewhere = foreign and (as_fact or not subject)
        # "Where" is asked and this document says nowhere: it is about the thing, not where it is ("¿dónde
        # queda la EPS Sura más cercana?" is no answer from the insurers' entry).
        where = any(WHERE in word for word in words)
        elsewhere = elsewhere or (where and WHERE not in present)
        # Where is something this base knows but our address does not name: "¿dónde queda el Servientrega más
        # cercano?" (the carrier of the shipping entry) asks for their office, not for ours.
        if where and as_fact and not elsewhere:
            elsewhere = any(
                word in things
                and not any(t in present for t in word)
                and any(t in self.vocabulary for t in word)
                and not any(t in ASKING_TERMS or t in self._familiar or t in EVERYDAY_TERMS for t in word)
                for word in words
            )
        if not on_topic or elsewhere:
            return covered, 0.0
        return covered, evidence

    def rank(self, text: str, *, limit: int = 5) -> list[Match]:
        """Entries and facts that share a term with `text`, best first (by BM25)."""
        return self._candidates(text, limit=limit, by_question=False)

    def _candidates(self, text: str, *, limit: int, by_question: bool) -> list[Match]:
        """BM25's best `limit` documents and, with `by_question`, also every document whose own question
        has one of the words (BM25 can rank a synonym's entry, "productos" → "¿Tienen catálogo?", below
        hundreds of entries that use the very word), each with its confidence and focus."""
        words, foreign, things = self._query(text)
        known = [t for word in words for t in word if t in self.vocabulary]
        if not known or self._bm25 is None:
            return []
        scores = self._bm25.get_scores(known)
        weights = [self._weight(word) for word in words]
        total = sum(weights)
        intents = {t for word in words for t in word if t in INTENT_TERMS_OF_ACTION}
        positions = [int(p) for p in np.argsort(-scores, kind="stable")[:limit] if scores[p] > 0]
        if by_question:
            seen = set(positions)
            for term in dict.fromkeys(known):
                for position in self._asking.get(term, ()):
                    if position not in seen and scores[position] > 0:
                        seen.add(position)
                        positions.append(position)
        matches = []
        for position in positions:
            item, fact = self._documents[position]
            covered, evidence = self._coverage(words, position, foreign=foreign, things=things)
            focus = self._focus(words, position)
            bar = self._focused_bar if focus >= FOCUSED else self._evidence_bar
            intent = bool(intents & self._asked[position])
            asked = total
            if intent:  # the things it is wanted for, which this entry does not name, weigh less
                present = self._terms[position]
                asked -= (1 - OBJECT_WEIGHT) * sum(
                    weight
                    for word, weight in zip(words, weights, strict=True)
                    if word in things
                    and not self._unknown(word)
                    and not any(t in present or t in ASKING_TERMS or t in INTENT_TERMS_OF_ACTION for t in word)
                )
            confidence = min(1.0, covered / asked) if evidence >= bar else 0.0
            matches.append(
                Match(
                    item=item,
                    fact=fact,
                    score=float(scores[position]),
                    confidence=round(confidence, 4),
                    focus=round(focus, 4),
                    restates=self._restates[position],
                    intents=len(intents & self._asked[position]),
                    other_intents=len((self._asked[position] & INTENT_TERMS_OF_ACTION) - intents),
                )
            )
        return matches

    def _focus(self, words: list[tuple[str, ...]], position: int) -> float:
        """The share of the document's question (its IDF weight) that the customer's words cover: "¿Tienen
        catálogo?" is about "me pasas el catálogo" entirely, "¿Catálogo de tallas para niños?" a third."""
        slots = self._slots[position]
        if not slots:
            return 0.0
        said = {t for word in words for t in word}
        # A word of the document's question weighs its stem's IDF; its synonym token covers it too; of
        # alternatives ("descuentos o promociones") the heaviest counts, and either covers it.
        total = hit = 0.0
        for slot in slots:
            weight = max(self._idf.get(t, 0.0) for t in slot)
            total += weight
            if any(t in said or CANONICAL.get(t) in said for t in slot):
                hit += weight
        return hit / total if total else 0.0

    def best(self, text: str, *, min_confidence: float = MIN_CONFIDENCE) -> Match | None:
        """The entry or fact that answers `text`, or None when none covers enough of it (hand off).

        The most confident candidate wins (an entry whose own question the message covers first, by
        `FOCUS_BONUS`); among equally confident ones an entry that restates a persona fact, then the one whose
        own question the customer's words cover most (`Match.focus`), then BM25.

        A long message that says more than it asks ("buenas, vivo en Bucaramanga y me gustó un vestido…, ¿me
        lo pueden mandar?") may cover too little of any entry as a whole: then each of its parts (split at
        punctuation and line breaks; only the parts with a question mark when there are some) is asked on its
        own, and a part's answer counts when the whole message already pointed to it (`CLAUSE_SUPPORT` of the
        bar)."""
        candidates = self._candidates(text, limit=CANDIDATES, by_question=True)
        found = self._pick(candidates, min_confidence)
        if found is not None:
            return found
        clauses = [c for c in _CLAUSE.split(text) if c.strip()]
        if len(clauses) < 2:
            return None
        if "?" in text:  # the parts that ask: "quiero trabajar con ustedes, ¿reciben hojas de vida?"
            clauses = [c for c in _QUESTION.findall(text) if c.strip()]
        whole = {(m.item.id if m.item else None, m.fact): m.confidence for m in candidates}
        supported = []
        for clause in clauses:
            match = self._pick(self._candidates(clause, limit=CANDIDATES, by_question=True), min_confidence)
            if match is not None and whole.get((match.item.id if match.item else None, match.fact), 0.0) >= (
                CLAUSE_SUPPORT * min_confidence
            ):
                supported.append(match)
        return self._pick(supported, min_confidence)

    @staticmethod
    def _pick(candidates: list[Match], min_confidence: float) -> Match | None:
        ranked = [m for m in candidates if m.confidence >= min_confidence]
        # What the message wants done decides over the things it names: when a confident entry's own question
        # has the intent and no other ("¿Hacen envíos…?" for "¿cuánto se demora en llegar un pedido?"), an entry
        # matched only on the things ("¿dónde va mi pedido?") is not the answer, nor one with fewer of the intents
        # asked or with others not asked ("puedo apartar un jean" is "¿Puedo separar una prenda?", not the
        # booking, whose question is also about buying). An entry with the intent among others ("¿Cómo cancelo o
        # cambio mi cita?" for "cita de valoración de ortodoncia") sets nothing aside.
        if any(m.intent for m in ranked):
            closest = max((m.intents, -m.other_intents) for m in ranked)
            if closest[1] == 0:
                ranked = [m for m in ranked if (m.intents, -m.other_intents) == closest]
        ranked.sort(
            key=lambda m: (
                round(m.confidence + FOCUS_BONUS * (m.item is not None and m.focus >= FOCUSED), 4),
                m.restates,
                m.focus,
                m.score,
            ),
            reverse=True,
        )
        if not ranked:
            return None
        top = ranked[0]
        # Two documents that answer about as confidently, neither focused, and that BM25 hardly tells apart:
        # the message does not say which one it is about ("¿venden ropa para bebé?" at a shop whose exchanges,
        # holds and men's clothes all speak of "ropa"), so a person answers rather than a guess.
        if top.focus < FOCUSED:
            for other in ranked[1:]:
                if other.confidence < top.confidence - AMBIGUOUS_CONFIDENCE:
                    break
                if other.restates or top.restates or (other.item is None) != (top.item is None):
                    continue  # an entry restating a fact and that fact say the same
                if other.score * AMBIGUOUS_SCORE_RATIO >= top.score:
                    return None
        return top
