"""`{{ number|phone }}`: an E.164 number as people read it, on every app's pages."""

from __future__ import annotations

from django import template

from core.phones import display_phone

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """+573001234567 → +57 300 1234567."""
    return display_phone(e164 or "")
