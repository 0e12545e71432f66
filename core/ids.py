"""Ids that come from outside (URLs, query strings, headers, form fields)."""

from __future__ import annotations

MAX_ID = 2**63 - 1  # primary keys are 64-bit; a larger integer would overflow the database driver


def parse_id(value: object) -> int | None:
    """A positive 64-bit id, or None for anything else.

    Only ASCII digits count: Python's isdigit() also accepts superscripts and other scripts' digits.
    """
    text = str(value).strip() if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
