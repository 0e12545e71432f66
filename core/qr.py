"""QR codes as inline SVG, data URIs and PNG: whatever text they carry (links of onboarding, click-to-chat)."""

from __future__ import annotations

import base64
import io

import segno


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
