"""The end customer's side: messages a pretend customer sends to a number, and the chat they see."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from sandbox import accounts, identities, media
from sandbox.delivery import post_webhook, retry_in_background
from sandbox.identities import Customer
from sandbox.meta import MetaError, digits, envelope, new_wamid, now_ts
from sandbox.models import SandboxConversation, SandboxMessage, SandboxPhoneNumber
from sandbox.services import marketing_stopped, open_window

INBOUND_TYPES = (
    "text",
    "button",
    "location",
    "image",
    "audio",
    "video",
    "document",
    "sticker",
    "edit",
    "revoke",
    "request_welcome",
    "unsupported",
    "changed_number",
    "marketing_preference",
)


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


# What a pretend customer's media looks like when no bytes are given: Meta's usual type for each kind and a few
# bytes of it (the product stores and serves them, it does not decode them).
MEDIA_DEFAULTS = {
    "image": ("image/png", media.PLACEHOLDER_PNG),
    "audio": ("audio/ogg", b"OggS\x00\x02sandbox voice note"),
    "video": ("video/mp4", b"\x00\x00\x00\x18ftypmp42sandbox video"),
    "document": ("application/pdf", b"%PDF-1.4\n% sandbox document\n%%EOF\n"),
    "sticker": ("image/webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 sandbox sticker"),
}
MEDIA_SUMMARY = {"image": "📷", "audio": "🎤", "video": "🎬", "document": "📄", "sticker": "💟"}


def _media_message(number: SandboxPhoneNumber, kind: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """A photo, voice note, video, document or sticker becomes a media id the product can download with
    GET /{media-id}, in Meta's shape for that kind (a voice note says `voice`, a document its `filename`)."""
    given = body.get(kind) if isinstance(body.get(kind), dict) else {}
    default_mime, content = MEDIA_DEFAULTS[kind]
    if given.get("data_base64"):
        try:
            content = base64.b64decode(str(given["data_base64"]), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInbound(f"`{kind}.data_base64` is not valid base64.") from exc
    mime_type = str(given.get("mime_type") or default_mime)
    prefix = media.KIND_PREFIX.get(kind)
    if prefix and not mime_type.lower().startswith(prefix):
        raise InvalidInbound(f"`{kind}.mime_type` must be {prefix}{'…' if prefix.endswith('/') else ''}.")
    filename = str(given.get("filename") or "").strip()[:240] or ("documento.pdf" if kind == "document" else "")
    try:
        item = media.store(number=number, content=content, mime_type=mime_type, filename=filename)
    except MetaError as error:
        raise InvalidInbound(error.details) from error
    payload: dict[str, Any] = {"id": item.media_id, "mime_type": item.mime_type, "sha256": item.sha256}
    # Since 2025-11 Meta also puts the (short-lived, token-protected) download URL in the webhook.
    path = reverse("sandbox:media-download", args=[item.media_id])
    payload["url"] = f"{settings.PUBLIC_BASE_URL}{path}?hash={media.url_token(item.media_id)}"
    caption = str(given.get("caption") or body.get("text") or "").strip()[:1024] if kind != "sticker" else ""
    if kind == "audio":
        payload["voice"] = bool(given.get("voice", True))
        caption = ""  # a voice note has no caption
    elif kind == "document":
        payload["filename"] = filename
    elif kind == "sticker":
        payload["animated"] = False
    if caption:
        payload["caption"] = caption
    return {"type": kind, kind: payload}, caption or MEDIA_SUMMARY[kind]


def _last_inbound(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> str:
    """The customer message an edit or a deletion is about: `original_wamid`, else their latest one."""
    wamid = str(body.get("original_wamid") or "")
    mine = SandboxMessage.objects.filter(
        phone_number_id=number.phone_number_id, wa_id=wa_id, direction=SandboxMessage.Direction.IN
    ).exclude(type__in=("edit", "revoke", "system", "request_welcome"))
    found = (mine.filter(wamid=wamid) if wamid else mine.order_by("-created_at", "-id")).first()
    if found is None:
        raise InvalidInbound("There is no earlier message of this customer to edit or delete.")
    return found.wamid


def _edit_message(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The customer edits what they sent (Meta's `edit`, 2026): the new version of an earlier text."""
    new, text = _text_message(body)
    original = _last_inbound(number, wa_id, body)
    return {"type": "edit", "edit": {"original_message_id": original, "message": new}}, f"✏️ {text}"


def _revoke_message(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    original = _last_inbound(number, wa_id, body)
    return {"type": "revoke", "revoke": {"original_message_id": original}}, "🚫"


def _unsupported_message(body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """Something Meta cannot pass on (a poll, a view-once photo…): Meta's 131051 error item."""
    what = str(body.get("unsupported_type") or "poll")[:30]
    error = {
        "code": 131051,
        "title": "Message type unknown",
        "message": "Message type unknown",
        "error_data": {"details": "Message type is currently not supported."},
    }
    return {"type": "unsupported", "unsupported": {"type": what}, "errors": [error]}, f"[{what}]"


def build_message(number: SandboxPhoneNumber, wa_id: str, body: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The Meta `messages[]` item (without from/id/timestamp) and a one-line summary."""
    kind = str(body.get("type") or "text")
    if kind == "text":
        message, text = _text_message(body)
    elif kind == "button":
        message, text = _button_message(number, wa_id, body)
    elif kind == "location":
        message, text = _location_message(body)
    elif kind in MEDIA_DEFAULTS:
        message, text = _media_message(number, kind, body)
    elif kind == "edit":
        message, text = _edit_message(number, wa_id, body)
    elif kind == "revoke":
        message, text = _revoke_message(number, wa_id, body)
    elif kind == "request_welcome":
        message, text = {"type": "request_welcome"}, "👋"
    elif kind == "unsupported":
        message, text = _unsupported_message(body)
    elif kind == "changed_number":
        raise InvalidInbound("`changed_number` is posted with customer_changes_number, not as a message.")
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
    number: SandboxPhoneNumber, *, customer: Customer, message: dict[str, Any], text: str, profile_name: str = ""
) -> tuple[SandboxMessage, int | None]:
    """An end customer writes to a number: store it, open the window, post the signed webhook now.

    Like Meta since 2026 the webhook names the customer by BSUID (`contacts[].user_id`, `from_user_id`), plus
    the phone (`wa_id`, `from`) unless they hide it behind a username. Meta only delivers webhooks for accounts
    that subscribed the app, so nothing is posted (None) otherwise.
    """
    wamid = new_wamid()
    sender = {"from": customer.wa_id} if customer.wa_id else {}
    item = {**sender, "from_user_id": customer.user_id, "id": wamid, "timestamp": now_ts(), **message}
    contact = customer.contact(profile_name)
    stored = SandboxMessage.objects.create(
        phone_number_id=number.phone_number_id,
        direction=SandboxMessage.Direction.IN,
        wa_id=customer.key,
        type=str(message.get("type", "text")),
        text=text,
        body={**item, "_contact": {"username": customer.username}},
        wamid=wamid,
        status="delivered",
    )
    if message.get("type") not in ("edit", "revoke", "system"):
        open_window(phone_number_id=number.phone_number_id, wa_id=customer.key, free_entry="referral" in message)
    if not accounts.is_subscribed(number.account):
        return stored, None
    value: dict[str, Any] = {"contacts": [contact], "messages": [item]}
    if message.get("type") == "system":
        value = {"messages": [item]}  # Meta sends a changed-number notice without contacts
    payload = envelope(number.account.waba_id, number.phone_number_id, number.display_phone_number, value)
    url = number.webhook_override_url or settings.WEBHOOK_URL
    status = post_webhook(payload, url=url)
    retry_in_background(payload, url=url, first=status)
    return stored, status


def customer_changes_number(
    number: SandboxPhoneNumber, *, customer: Customer, new_phone: Any
) -> tuple[Customer, SandboxMessage, int | None]:
    """The customer moves to another phone: Meta's `system` `user_changed_number` notice, with the new BSUID."""
    new_wa_id = customer_wa_id(new_phone)
    if not customer.wa_id or new_wa_id == customer.wa_id:
        raise InvalidInbound("`new_phone` must differ from the phone of a customer who has one.")
    moved = identities.customer_with_phone(number, new_wa_id, username=customer.username)
    system = {
        "body": f"User A changed from {customer.wa_id} to {new_wa_id}",
        "wa_id": new_wa_id,
        "user_id": moved.user_id,
        "type": "user_changed_number",
    }
    stored, status = customer_sends(
        number, customer=customer, message={"type": "system", "system": system}, text=system["body"]
    )
    return moved, stored, status


def customer_wa_id(value: Any) -> str:
    wa_id = digits(value)
    if not 8 <= len(wa_id) <= 15:
        raise InvalidInbound("`from` must be the customer's phone number with country code, e.g. +573001234567.")
    return wa_id


def customer_from(number: SandboxPhoneNumber, body: Any) -> Customer:
    """The customer the helper API names: `from` (a phone, optionally with `username`) or `username` alone
    (a customer who hides their phone; `country`, ISO, defaults to CO)."""
    try:
        if body.get("from") or not body.get("username"):
            username = identities.clean_username(body["username"]) if body.get("username") else ""
            return identities.customer_with_phone(number, customer_wa_id(body.get("from")), username=username)
        return identities.customer_with_username(number, str(body["username"]), country=str(body.get("country") or ""))
    except identities.UnknownCustomer as error:
        raise InvalidInbound(str(error)) from error


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


def customer_sets_marketing(number: SandboxPhoneNumber, *, customer: Customer, value: Any) -> int | None:
    """The customer taps "stop" (or "resume") on the business's marketing messages: Meta's `user_preferences`
    webhook, which names the number in `metadata` like a messages change. Returns the product's HTTP status."""
    choice = str(value or "stop").lower()
    if choice not in ("stop", "resume"):
        raise InvalidInbound("`value` must be stop or resume.")
    detail = "User requested to stop marketing messages" if choice == "stop" else "User requested to resume"
    marketing_stopped(phone_number_id=number.phone_number_id, wa_id=customer.key, stopped=choice == "stop")
    item = {
        **({"wa_id": customer.wa_id} if customer.wa_id else {}),
        "user_id": customer.user_id,
        "detail": detail,
        "category": "marketing_messages",
        "value": choice,
        "timestamp": int(now_ts()),
    }
    value_block = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": number.display_phone_number, "phone_number_id": number.phone_number_id},
        "contacts": [customer.contact()],
        "user_preferences": [item],
    }
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": number.account.waba_id, "changes": [{"field": "user_preferences", "value": value_block}]}],
    }
    url = settings.WEBHOOK_URL  # not a messages field: the app's URL, never the number's override
    status = post_webhook(payload, url=url)
    retry_in_background(payload, url=url, first=status)
    return status
