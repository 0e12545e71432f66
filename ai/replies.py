"""Reply generation entry point used by the message pipeline.

`generate_reply` is the one function the pipeline calls; providers behind it may change.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ai.models import KnowledgeEntry, Persona


@dataclass
class ReplyDraft:
    text: str
    handoff: bool = False
    reason: str = ""


def _words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKD", text.lower())
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return {w for w in re.findall(r"[a-z0-9]+", folded) if len(w) > 2}


def generate_reply(*, client, customer_text: str) -> ReplyDraft:
    """Best knowledge-base answer by word overlap, else a polite acknowledgement."""
    persona = Persona.objects.for_client(client).first()
    asked = _words(customer_text)
    best, best_score = None, 0.0
    for entry in KnowledgeEntry.objects.for_client(client):
        candidate = _words(f"{entry.question} {entry.question}")
        score = len(asked & candidate) / (len(candidate) or 1)
        if score > best_score:
            best, best_score = entry, score
    if best is not None and best_score >= 0.3:
        return ReplyDraft(text=best.answer)
    greeting = (persona.greeting if persona else "") or f"¡Hola! Gracias por escribir a {client.business_name}."
    return ReplyDraft(text=f"{greeting} Recibimos tu mensaje: «{customer_text[:200]}». Te respondemos enseguida.")
