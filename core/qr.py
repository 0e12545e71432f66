"""QR codes as inline SVG, data URIs and PNG: whatever text they carry (links of onboarding, click-to-chat)."""

from __future__ import annotations

import base64
import io

import segno


def qr_svg(text: str, *, scale: int = 6) -> str:
    """Inline SVG markup (no XML declaration) for embedding in a page.

    It carries a viewBox besides its natural width and height, so a stylesheet that sizes it scales the whole
    code instead of clipping it (a clipped QR code cannot be decoded).
    """
    qr = segno.make(text, error="m")
    buffer = io.BytesIO()
    qr.save(buffer, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    size = qr.symbol_size(scale=scale, border=2)[0]
    return buffer.getvalue().decode().replace("<svg ", f'<svg viewBox="0 0 {size} {size}" ', 1)


def qr_svg_data_uri(text: str) -> str:
    svg = qr_svg(text).encode()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def qr_png(text: str, *, scale: int = 10) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m").save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
