"""Links that open a WhatsApp chat with a number (click-to-chat, `wa.me`)."""

from __future__ import annotations

from urllib.parse import quote

# What a printed QR code carries at most: a phone camera reads ~500 characters reliably, and past ~2,300 (level M)
# the code cannot be made at all. A longer greeting stays in the written link; the QR code opens the bare chat.
QR_TEXT_LIMIT = 500


def click_to_chat_url(phone_number: str, greeting: str = "") -> str:
    """wa.me link that opens a chat with the number, the greeting already typed by the customer."""
    link = f"https://wa.me/{phone_number.lstrip('+')}"
    return f"{link}?text={quote(greeting)}" if greeting else link


def click_to_chat_qr_text(phone_number: str, greeting: str = "") -> str:
    """What the click-to-chat QR code encodes: the link with the greeting if it fits, else the plain link."""
    url = click_to_chat_url(phone_number, greeting)
    return url if len(url) <= QR_TEXT_LIMIT else click_to_chat_url(phone_number)
