"""The end customer's side: messages a pretend customer sends to a number, and the chat they see."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.utils import timezone

from sandbox import accounts, media
from sandbox.delivery import post_webhook, retry_in_background
from sandbox.meta import MetaError, digits, envelope, new_wamid, now_ts
from sandbox.models import SandboxConversation, SandboxMessage, SandboxPhoneNumber
from sandbox.services import open_window

INBOUND_TYPES = ("text", "button", "location", "image")


class InvalidInbound(ValueError):
    """The helper API's caller sent something a customer could not send."""


def _text_message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    text = str(body.get("text") or "").strip()
    if not text:
        raise InvalidInbound("`text` is required for a text message.")
    if len(text) > 4096:
        raise InvalidInbound("`text` may be at most 4096 characters.")
    return {"type": "text", "text": {"body": text}}, text


def _button_message(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A tap on an interactive reply button; `context` points at the business message that had it."""
    button = body.get("button") if isinstance(body.get("button"), dict) else {}
    button_id, title = str(button.get("id") or ""), str(button.get("title") or "").strip()
    if not button_id or not title:
        raise InvalidInbound("`button` needs `id` and `title` (the reply button that was tapped).")
    message: dict[str, Any] = {
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id[:256], "title": title[:20]}},
    }
    context_id = str(body.get("context_wamid") or "")
    if not context_id:
        last = (
            SandboxMessage.objects.filter(
                phone_number_id=number.phone_number_id, wa_id=wa_id, direction=SandboxMessage.Direction.OUT
            )
            .order_by("-created_at", "-id")
            .first()
        )
        context_id = last.wamid if last else ""
    if context_id:
        message["context"] = {"from": number.display_phone_number, "id": context_id}
    return message, title


def _location_message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    place = body.get("location") if isinstance(body.get("location"), dict) else {}
    try:
        latitude, longitude = float(place["latitude"]), float(place["longitude"])
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInbound("`location` needs numeric `latitude` and `longitude`.") from exc
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise InvalidInbound("`latitude` must be within ±90 and `longitude` within ±180.")
    location: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    for key in ("name", "address"):
        if place.get(key):
            location[key] = str(place[key])[:300]
    label = location.get("name") or f"{latitude:.5f}, {longitude:.5f}"
    return {"type": "location", "location": location}, f"📍 {label}"


def _image_message(number: SandboxPhoneNumber, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A photo becomes a media id the product can download with GET /{media-id}."""
    image = body.get("image") if isinstance(body.get("image"), dict) else {}
    content = media.PLACEHOLDER_PNG
    if image.get("data_base64"):
        try:
            content = base64.b64decode(str(image["data_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInbound("`image.data_base64` is not valid base64.") from exc
    try:
        item = media.store(number=number, content=content, mime_type=str(image.get("mime_type") or "image/png"))
    except MetaError as error:
        raise InvalidInbound(error.details) from error
    if not item.mime_type.startswith("image/"):
        item.delete()
        raise InvalidInbound("`image.mime_type` must be an image type.")
    caption = str(image.get("caption") or body.get("text") or "").strip()[:1024]
    payload: dict[str, Any] = {"id": item.media_id, "mime_type": item.mime_type, "sha256": item.sha256}
    if caption:
        payload["caption"] = caption
    return {"type": "image", "image": payload}, caption or "📷"


def build_message(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The Meta `messages[]` item (without from/id/timestamp) and a one-line summary."""
    kind = str(body.get("type") or "text")
    if kind == "text":
        message, text = _text_message(body)
    elif kind == "button":
        message, text = _button_message(number, wa_id, body)
    elif kind == "location":
        message, text = _location_message(body)
    elif kind == "image":
        message, text = _image_message(number, body)
    else:
        raise InvalidInbound(f"`type` must be one of {', '.join(INBOUND_TYPES)}.")
    if body.get("from_ad"):
        message["referral"] = _ad_referral(body.get("from_ad"))
    return message, text


def _ad_referral(ad: Any) -> dict[str, Any]:
    """Meta's `referral` block of a message that started from a click-to-WhatsApp ad (free entry point)."""
    headline = str(ad.get("headline") if isinstance(ad, dict) else "") or "Sandbox ad"
    return {
        "source_url": "https://fb.me/sandbox-ad",
        "source_id": "120200000000000",
        "source_type": "ad",
        "body": headline,
        "headline": headline,
        "media_type": "image",
        "image_url": "https://example.com/ad.jpg",
        "ctwa_clid": new_wamid()[6:30],
    }


def customer_sends(
    number: SandboxPhoneNumber, *, wa_id: str, message: dict[str, Any], text: str, profile_name: str = ""
) -> tuple[SandboxMessage, int | None]:
    """An end customer writes to a number: store it, open the window, post the signed webhook now.

    Meta only delivers webhooks for accounts that subscribed the app, so nothing is posted (None) otherwise.
    """
    wamid = new_wamid()
    item = {"from": wa_id, "id": wamid, "timestamp": now_ts(), **message}
    stored = SandboxMessage.objects.create(
        phone_number_id=number.phone_number_id,
        direction=SandboxMessage.Direction.IN,
        wa_id=wa_id,
        type=str(message.get("type", "text")),
        text=text,
        body=item,
        wamid=wamid,
        status="delivered",
    )
    open_window(phone_number_id=number.phone_number_id, wa_id=wa_id, free_entry="referral" in message)
    if not accounts.is_subscribed(number.account):
        return stored, None
    value = {"contacts": [{"profile": {"name": profile_name or f"+{wa_id}"}, "wa_id": wa_id}], "messages": [item]}
    payload = envelope(number.account.waba_id, number.phone_number_id, number.display_phone_number, value)
    url = number.webhook_override_url or settings.WEBHOOK_URL
    status = post_webhook(payload, url=url)
    retry_in_background(payload, url=url, first=status)
    return stored, status


def customer_wa_id(value: Any) -> str:
    wa_id = digits(value)
    if not 8 <= len(wa_id) <= 15:
        raise InvalidInbound("`from` must be the customer's phone number with country code, e.g. +573001234567.")
    return wa_id


# --- what the customer's phone shows -------------------------------------------------------------
def chat(*, number: SandboxPhoneNumber, wa_id: str, after_id: int = 0) -> dict[str, Any]:
    """Both directions of one customer ↔ number chat, oldest first, plus whether the business is typing."""
    messages = SandboxMessage.objects.filter(phone_number_id=number.phone_number_id, wa_id=wa_id)
    conversation = SandboxConversation.objects.filter(phone_number_id=number.phone_number_id, wa_id=wa_id).first()
    typing = bool(conversation and conversation.typing_until and conversation.typing_until > timezone.now())
    return {
        "number": {
            "phone_number_id": number.phone_number_id,
            "display_phone_number": f"+{number.display_phone_number}",
            "verified_name": number.verified_name,
        },
        "typing": typing,
        "messages": [_chat_item(m) for m in messages.filter(id__gt=after_id).order_by("created_at", "id")[:500]],
    }


def _chat_item(message: SandboxMessage) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": message.pk,
        "wamid": message.wamid,
        "direction": message.direction,
        "type": message.type,
        "text": message.text,
        "status": message.status,
        "time": timezone.localtime(message.created_at).strftime("%H:%M"),
    }
    interactive = message.body.get("interactive") if message.direction == SandboxMessage.Direction.OUT else None
    if isinstance(interactive, dict) and interactive.get("type") == "button":
        item["buttons"] = [
            {"id": b.get("reply", {}).get("id"), "title": b.get("reply", {}).get("title")}
            for b in (interactive.get("action") or {}).get("buttons") or []
        ]
    return item
