"""Turn one inbound `messages[]` object of any type into (kind, readable text).

The text is what people read in the inbox and what the assistant answers; the raw object is
kept on the Message as well, so nothing is lost for types we only summarise.
"""

from __future__ import annotations

from typing import Any


def _media_text(kind: str, media: dict[str, Any]) -> str:
    caption = media.get("caption") or ""
    label = "voice note" if media.get("voice") else kind
    name = media.get("filename") or ""
    return caption or f"[{label}{': ' + name if name else ''}]"


def _location_text(loc: dict[str, Any]) -> str:
    parts = [p for p in (loc.get("name"), loc.get("address")) if p]
    coords = f"{loc.get('latitude')}, {loc.get('longitude')}"
    return "📍 " + (" — ".join(parts) + f" ({coords})" if parts else coords)


def _interactive_text(obj: dict[str, Any]) -> str:
    kind = obj.get("type", "")
    reply = obj.get(kind) if isinstance(obj.get(kind), dict) else {}
    return reply.get("title") or reply.get("body") or reply.get("name") or f"[{kind}]"


def _contacts_text(contacts: list[dict[str, Any]]) -> str:
    names = [((c.get("name") or {}).get("formatted_name") or "") for c in contacts]
    return "[contact card: " + ", ".join(n for n in names if n) + "]"


def _order_text(order: dict[str, Any]) -> str:
    items = order.get("product_items") or []
    return order.get("text") or f"[order: {len(items)} item(s)]"


def describe_inbound(message: dict[str, Any]) -> tuple[str, str]:
    kind = str(message.get("type") or "unknown")
    body = message.get(kind) if isinstance(message.get(kind), dict) else {}
    if kind == "text":
        return kind, str(body.get("body", ""))
    if kind in ("image", "video", "document", "audio", "sticker"):
        return kind, _media_text(kind, body)
    if kind == "location":
        return kind, _location_text(body)
    if kind == "interactive":
        return kind, _interactive_text(body)
    if kind == "button":
        return kind, str(body.get("text") or body.get("payload") or "")
    if kind == "reaction":
        emoji = body.get("emoji")
        return kind, f"[reaction {emoji}]" if emoji else "[reaction removed]"
    if kind == "contacts":
        return kind, _contacts_text(message.get("contacts") or [])
    if kind == "order":
        return kind, _order_text(body)
    if kind == "system":
        return kind, str(body.get("body", ""))
    if kind == "request_welcome":
        return kind, "[opened the chat]"  # Meta's welcome-message event: the customer's first visit
    return kind, f"[{kind}]"
