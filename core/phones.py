"""Phone numbers as people read them (shared by onboarding and the portal)."""

from __future__ import annotations

import phonenumbers


def display_phone(e164: str) -> str:
    """+573001234567 → "+57 300 1234567", as people read it; unparsable input is returned as it is."""
    if not e164:
        return ""
    try:
        return phonenumbers.format_number(phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    except phonenumbers.NumberParseException:
        return e164
