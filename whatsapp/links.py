"""Links that open a WhatsApp chat with a number (click-to-chat, `wa.me`)."""

from __future__ import annotations

from urllib.parse import quote


def click_to_chat_url(phone_number: str, greeting: str = "") -> str:
    """wa.me link that opens a chat with the number, the greeting already typed by the customer."""
    link = f"https://wa.me/{phone_number.lstrip('+')}"
    return f"{link}?text={quote(greeting)}" if greeting else link
