"""Links and QR codes of onboarding: the setup link a client scans, and the click-to-chat code it prints."""

from __future__ import annotations

import base64
import io
from urllib.parse import quote

import segno
from django.conf import settings
from django.urls import reverse


def onboarding_url(setup_code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('onboarding:home', args=[setup_code])}"


def onboarding_png_url(setup_code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('onboarding:setup-qr', args=[setup_code])}"


def click_to_chat_url(phone_number: str, greeting: str = "") -> str:
    """wa.me link that opens a chat with the number, the greeting already typed by the customer."""
    link = f"https://wa.me/{phone_number.lstrip('+')}"
    return f"{link}?text={quote(greeting)}" if greeting else link


def qr_svg(text: str, *, scale: int = 6) -> str:
    """Inline SVG markup (no XML declaration) for embedding in a page."""
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return buffer.getvalue().decode()


def qr_svg_data_uri(text: str) -> str:
    svg = qr_svg(text).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def qr_png(text: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
