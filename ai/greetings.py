"""The two opening texts of a chat, which used to be one field and meant opposite things (issue 12).

- the **click-to-chat text** is the customer's: their phone types it for them from the QR code or the wa.me
  link ("Hola Panadería Doña Marta, quisiera más información");
- the **welcome** is the assistant's: its answer to a bare "hola" and to the click-to-chat text.

A customer who sends the click-to-chat text is greeted with the welcome: never handed off, never answered
with their own line.
"""

from __future__ import annotations

import re

from ai.text import fold

# Folded words that mark a line as the business speaking ("soy el asistente", "bienvenida", "¿en qué te ayudo?").
_BUSINESS_CUES = re.compile(
    r"\b(soy|somos|bienvenid[oa]s?|te damos|le damos|en que (te|le|les) (puedo|podemos)|te ayudo|le ayudo"
    r"|gracias por escribir|welcome|i am|i m|we are|how can (i|we) help|thanks for (writing|contacting))\b"
)


def sounds_like_the_business(text: str) -> bool:
    """True when the text reads as the business talking to a customer rather than a customer writing in."""
    return bool(_BUSINESS_CUES.search(fold(text)))


def split_greeting(text: str) -> tuple[str, str]:
    """(welcome, click_to_chat_text) from one old "greeting": a business line is the welcome, any other line
    is what customers were sent from the QR code and keeps doing that (the welcome then falls back to ours)."""
    text = text.strip()
    if not text:
        return "", ""
    return (text, "") if sounds_like_the_business(text) else ("", text)


def is_click_to_chat_text(customer_text: str, click_to_chat_text: str) -> bool:
    """The customer sent the pre-typed line unchanged (case, accents, punctuation and spacing aside)."""
    expected = fold(click_to_chat_text)
    return bool(expected) and fold(customer_text) == expected
