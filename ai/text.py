"""Text helpers shared by the providers: folding, language guess, and WhatsApp-sized cuts."""

from __future__ import annotations

import re
import unicodedata

WHATSAPP_TEXT_LIMIT = 4096


def _w(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPANISH_HINTS = _w(
    "el la los las un una que de del por para con como cual cuando donde cuanto cuanta tienen tiene hay "
    "es son esta estan hola buenas buenos dias tardes noches gracias quiero quisiera puedo pueden necesito "
    "precio horario envio tambien pero muy mi su sus si usted ustedes hacen venden abren atienden"
)
_ENGLISH_HINTS = _w(
    "the a an is are do does you your yours what when where how much many can could would please hello hi "
    "hey thanks thank want need have has open close price delivery i we my of to for and with about is it"
)


def fold(text: str) -> str:
    """Lowercase, strip accents and punctuation, squeeze letters repeated 3+ times ("holaaa" → "hola")."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^a-z0-9]+", " ", text)
    text = re.sub(r"([a-z])\1{2,}", r"\1", text)
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return fold(text).split()


def detect_language(text: str, default: str = "es") -> str:
    """'es' or 'en' from common function words; `default` when the text says too little."""
    raw = text.lower()
    tokens = words(text)
    es = sum(t in _SPANISH_HINTS for t in tokens) + 2 * sum(c in raw for c in "¿¡ñáéíóú")
    en = sum(t in _ENGLISH_HINTS for t in tokens)
    if es == en:
        return default
    return "es" if es > en else "en"


_SENTENCE_END = re.compile(r"[.!?…](?=[\s\"')\]]|$)|\n")


def cut_on_sentence(text: str, limit: int) -> str:
    """At most `limit` characters, ending at the last full sentence that fits (else at a word, with "…")."""
    text = text.strip()
    limit = max(1, min(limit, WHATSAPP_TEXT_LIMIT))
    if len(text) <= limit:
        return text
    window = text[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(window)]
    if ends and ends[-1] >= limit // 3:
        return window[: ends[-1]].strip()
    space = window[: limit - 1].rfind(" ")
    cut = window[: space if space > limit // 2 else limit - 1].rstrip(" ,;:")
    return cut + "…"
