"""E-mail headers built from text that strangers chose (a customer's WhatsApp name, a business name).

Django refuses a header with a line break (BadHeaderError, so nobody can inject `Bcc:`); an alert that
raises it is never sent. Such text goes through `header_text` first: one line, bounded length.
"""

from __future__ import annotations

SUBJECT_MAX_CHARS = 200


def header_text(value: object, *, limit: int = SUBJECT_MAX_CHARS) -> str:
    """Collapse every run of whitespace (line breaks included) into one space and cut to `limit` characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
