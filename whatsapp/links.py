"""Links that open a WhatsApp chat with a number (click-to-chat, `wa.me`)."""

from __future__ import annotations

from urllib.parse import quote

# What a printed QR code carries at most: a phone camera reads ~500 characters reliably, and past ~2,300 (level M)
# the code cannot be made at all. A longer text stays in the written link; the QR code opens the bare chat.
QR_TEXT_LIMIT = 500


def click_to_chat_url(phone_number: str, text: str = "") -> str:
    """wa.me link that opens a chat with the number, `text` (the persona's click-to-chat text, the customer's
    words, never the assistant's welcome) already typed on the customer's phone."""
    link = f"https://wa.me/{phone_number.lstrip('+')}"
    text = text.strip()
    return f"{link}?text={quote(text)}" if text else link


def click_to_chat_qr_text(phone_number: str, text: str = "") -> str:
    """What the click-to-chat QR code encodes: the link with the text if it fits, else the plain link."""
    url = click_to_chat_url(phone_number, text)
    return url if len(url) <= QR_TEXT_LIMIT else click_to_chat_url(phone_number)
