"""The business side of messaging: what POST /{pnid}/messages accepts, refuses and reports back.

Checks follow what changes the product's behaviour at Meta: unregistered numbers (133010), text
length (100), templates that are not approved (132001), free-form messages outside the customer's
24-hour window (131047). Accepted sends get `sent` → `delivered` → `read` status webhooks with a
pricing block, or a `failed` one after the fact, as Meta reports them: an undeliverable recipient (131026), a
free-form message outside the window (131047), a marketing template over the customer's marketing limit
(131049) or to a customer who stopped marketing messages (131050).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from sandbox import identities, media, message_templates
from sandbox.delivery import post_later
from sandbox.meta import MetaError, digits, envelope, new_wamid, now_ts
from sandbox.models import SandboxConversation, SandboxMessage, SandboxPhoneNumber

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
WINDOW = timedelta(hours=24)
FREE_ENTRY_POINT = timedelta(hours=72)
TYPING_FOR = timedelta(seconds=25)
MEDIA_KINDS = ("image", "audio", "video", "document", "sticker")
SEND_KINDS = ("text", "template", "interactive", "reaction", "location", "contacts", *MEDIA_KINDS)
# Seconds after the send at which sent / delivered / read are posted, as Meta spaces them.
STATUS_DELAYS = (("sent", 0.2), ("delivered", 0.5), ("read", 1.0))
# Magic (docs/sandbox.md): recipients whose digits end like this are undeliverable (131026).
UNDELIVERABLE_SUFFIX = "9999"
UNDELIVERABLE = {
    "code": 131026,
    "title": "Message undeliverable",
    "message": "Message undeliverable",
    "error_data": {"details": "The recipient is not on WhatsApp or cannot receive this message."},
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
WINDOW_CLOSED = {
    "code": 131047,
    "title": "Re-engagement message",
    "message": "Re-engagement message",
    "error_data": {
        "details": "Message failed to send because more than 24 hours have passed since the customer last "
        "replied to this number."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
# Magic (docs/sandbox.md): marketing templates to recipients whose digits end like this fail after the fact.
MARKETING_CAPPED_SUFFIX = "4949"
MARKETING_STOPPED_SUFFIX = "5050"
MARKETING_CAPPED = {
    "code": 131049,
    "title": "This message was not delivered to maintain healthy ecosystem engagement.",
    "message": "This message was not delivered to maintain healthy ecosystem engagement.",
    "error_data": {
        "details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."
    },
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
MARKETING_STOPPED = {
    "code": 131050,
    "title": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.",
    "message": "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.",
    "error_data": {"details": "The recipient stopped marketing messages on WhatsApp from this business."},
    "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
}
# From this day Meta bills service messages; before it they were free_customer_service.
SERVICE_BILLING_STARTS = date(2026, 10, 1)


def summarize(body: dict[str, Any]) -> str:
    kind = body.get("type", "text")
    obj = body.get(kind) or {}
    if kind == "text":
        return str(obj.get("body", ""))
    if kind == "template":
        return f"[template {obj.get('name')}]"
    if kind == "interactive":
        return str(_as_dict(obj.get("body")).get("text", "[interactive]"))
    if kind == "reaction":
        return str(obj.get("emoji", ""))
    if kind == "location":
        return str(obj.get("name") or f"{obj.get('latitude')}, {obj.get('longitude')}")
    return str(obj.get("caption") or f"[{kind}]")


# --- the 24-hour window and the typing indicator ---------------------------------------------
def window_open(*, phone_number_id: str, wa_id: str) -> bool:
    since = timezone.now() - WINDOW
    return SandboxConversation.objects.filter(
        phone_number_id=phone_number_id, wa_id=wa_id, last_inbound_at__gte=since
    ).exists()


def open_window(*, phone_number_id: str, wa_id: str, free_entry: bool = False) -> None:
    """A customer message opens (or refreshes) the 24-hour customer service window.

    One that comes from a click-to-WhatsApp ad also opens Meta's 72-hour free entry point.
    """
    now = timezone.now()
    defaults: dict[str, Any] = {"last_inbound_at": now}
    if free_entry:
        defaults["free_entry_until"] = now + FREE_ENTRY_POINT
    SandboxConversation.objects.update_or_create(phone_number_id=phone_number_id, wa_id=wa_id, defaults=defaults)


def in_free_entry_point(*, phone_number_id: str, wa_id: str) -> bool:
    return SandboxConversation.objects.filter(
        phone_number_id=phone_number_id, wa_id=wa_id, free_entry_until__gt=timezone.now()
    ).exists()


def marketing_stopped(*, phone_number_id: str, wa_id: str, stopped: bool) -> None:
    """Remember the customer's "stop" (or "resume") on this business's marketing messages, as Meta does."""
    SandboxConversation.objects.update_or_create(
        phone_number_id=phone_number_id,
        wa_id=wa_id,
        defaults={"marketing_stopped_at": timezone.now() if stopped else None},
    )


def marketing_failure(*, phone_number_id: str, wa_id: str) -> dict[str, Any] | None:
    """Why Meta would accept a marketing template and then fail it: the customer stopped marketing messages
    (131050: remembered, or magic `…5050`) or already got their share of marketing messages (131049, `…4949`)."""
    stopped = SandboxConversation.objects.filter(
        phone_number_id=phone_number_id, wa_id=wa_id, marketing_stopped_at__isnull=False
    ).exists()
    if stopped or wa_id.endswith(MARKETING_STOPPED_SUFFIX):
        return MARKETING_STOPPED
    if wa_id.endswith(MARKETING_CAPPED_SUFFIX):
        return MARKETING_CAPPED
    return None


def _set_typing(*, phone_number_id: str, wa_id: str, until: Any) -> None:
    SandboxConversation.objects.filter(phone_number_id=phone_number_id, wa_id=wa_id).update(typing_until=until)


# --- the messages endpoint ---------------------------------------------------------------------
def handle_messages_call(*, number: SandboxPhoneNumber, body: dict[str, Any]) -> dict[str, Any]:
    if body.get("messaging_product") != "whatsapp":
        raise MetaError(100, "messaging_product must be whatsapp")
    if not number.registered:
        raise MetaError(133010, f"+{number.display_phone_number} is not registered; call /register first")
    if body.get("status") == "read":
        mark_read(number=number, body=body)
        return {"success": True}
    return send(number=number, body=body)


def mark_read(*, number: SandboxPhoneNumber, body: dict[str, Any]) -> None:
    """Mark a customer's message (and the ones before it) read; optionally show "typing…"."""
    wamid = str(body.get("message_id") or "")
    message = SandboxMessage.objects.filter(
        wamid=wamid, phone_number_id=number.phone_number_id, direction=SandboxMessage.Direction.IN
    ).first()
    if message is None:
        raise MetaError(100, f"message_id {wamid or '(missing)'} is not a message this number received")
    SandboxMessage.objects.filter(
        phone_number_id=number.phone_number_id,
        wa_id=message.wa_id,
        direction=SandboxMessage.Direction.IN,
        created_at__lte=message.created_at,
    ).update(status="read")
    typing = body.get("typing_indicator")
    if typing is not None:
        if not isinstance(typing, dict) or typing.get("type") != "text":
            raise MetaError(100, 'typing_indicator must be {"type": "text"}')
        _set_typing(phone_number_id=number.phone_number_id, wa_id=message.wa_id, until=timezone.now() + TYPING_FOR)


def _recipient(number: SandboxPhoneNumber, body: dict[str, Any]) -> tuple[str, str]:
    """(what the caller addressed, the customer's key): a phone in `to`, a BSUID only in `recipient` (2026)."""
    to, recipient = str(body.get("to") or "").strip(), str(body.get("recipient") or "").strip()
    if to:
        if identities.is_bsuid(to):
            raise MetaError(100, "to takes a phone number; send to a business-scoped user id with recipient")
        wa_id = digits(to)
        if not 8 <= len(wa_id) <= 15:
            raise MetaError(100, "to must be a phone number with country code, e.g. +573001234567")
        return to, wa_id
    if recipient:
        try:
            return recipient, identities.recipient_key(number, recipient)
        except identities.UnknownCustomer as error:
            raise MetaError(100, str(error)) from error
    raise MetaError(100, "to (a phone number) or recipient (a business-scoped user id) is required")


def send(*, number: SandboxPhoneNumber, body: dict[str, Any]) -> dict[str, Any]:
    addressed, wa_id = _recipient(number, body)
    kind = str(body.get("type") or "text")
    if kind not in SEND_KINDS:
        raise MetaError(100, f"type must be one of {', '.join(SEND_KINDS)}")
    if not isinstance(body.get(kind), dict):
        raise MetaError(131008, f"The {kind} object is required")
    category, failure = "service", None
    if kind == "template":
        category = message_templates.check_send(account=number.account, template=body["template"]).category.lower()
        if category == "marketing":  # Meta accepts the call and reports the failure in a status webhook
            failure = marketing_failure(phone_number_id=number.phone_number_id, wa_id=wa_id)
    else:
        _check_free_form(number=number, kind=kind, obj=body[kind])
        if not window_open(phone_number_id=number.phone_number_id, wa_id=wa_id):
            failure = WINDOW_CLOSED  # Meta accepts the call and reports the failure in a status webhook
    message = accept_outbound(number=number, body=body, wa_id=wa_id, category=category, failure=failure)
    result: dict[str, Any] = {"id": message.wamid}
    if kind == "template":
        result["message_status"] = "accepted"
    customer = identities.customer_for_key(number, wa_id)
    contact = {"input": addressed, "user_id": customer.user_id}
    if customer.wa_id:
        contact["wa_id"] = customer.wa_id
    return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [result]}


def _check_free_form(*, number: SandboxPhoneNumber, kind: str, obj: dict[str, Any]) -> None:
    if kind == "text":
        text = str(obj.get("body") or "")
        if not text or len(text) > MAX_TEXT:
            raise MetaError(100, f"text.body must be 1 to {MAX_TEXT} characters (got {len(text)})")
    elif kind == "interactive":
        _check_interactive(obj)
    elif kind == "reaction":
        if not obj.get("message_id") or "emoji" not in obj:
            raise MetaError(100, "reaction needs message_id and emoji (empty to remove)")
    elif kind == "location":
        if obj.get("latitude") is None or obj.get("longitude") is None:
            raise MetaError(100, "location needs latitude and longitude")
    elif kind in MEDIA_KINDS:
        media.check_media_object(number=number, kind=kind, obj=obj)


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _check_interactive(obj: dict[str, Any]) -> None:
    text = str(_as_dict(obj.get("body")).get("text") or "")
    if not text or len(text) > MAX_INTERACTIVE_BODY:
        raise MetaError(100, f"interactive.body.text must be 1 to {MAX_INTERACTIVE_BODY} characters")
    action = _as_dict(obj.get("action"))
    if obj.get("type") == "button":
        buttons = _as_list(action.get("buttons"))
        if not 1 <= len(buttons) <= 3:
            raise MetaError(100, "interactive buttons: 1 to 3 buttons")
        for button in buttons:
            reply = _as_dict(_as_dict(button).get("reply"))
            if not reply.get("id") or not 1 <= len(str(reply.get("title") or "")) <= 20:
                raise MetaError(100, "each button needs reply.id and a reply.title of 1 to 20 characters")
    elif obj.get("type") == "list":
        rows = [row for section in _as_list(action.get("sections")) for row in _as_list(_as_dict(section).get("rows"))]
        if not action.get("button") or not 1 <= len(rows) <= 10:
            raise MetaError(100, "interactive list: a button label and 1 to 10 rows")
    elif obj.get("type") not in ("cta_url", "location_request_message", "flow", "product", "product_list"):
        raise MetaError(100, "interactive.type is missing or not supported")


def accept_outbound(
    *,
    number: SandboxPhoneNumber,
    body: dict[str, Any],
    wa_id: str,
    category: str = "service",
    failure: dict[str, Any] | None = None,
) -> SandboxMessage:
    """Store a send from the product and schedule its status webhooks (a `failed` one carrying `failure`)."""
    message = SandboxMessage.objects.create(
        phone_number_id=number.phone_number_id,
        direction=SandboxMessage.Direction.OUT,
        wa_id=wa_id,
        type=str(body.get("type", "text")),
        text=summarize(body)[:5000],
        body=body,
        wamid=new_wamid(),
    )
    _set_typing(phone_number_id=number.phone_number_id, wa_id=wa_id, until=None)  # a reply ends "typing…"
    if settings.SANDBOX_STATUS_WEBHOOKS:
        schedule_statuses(number=number, message=message, category=category, failure=failure)
    return message


# --- status webhooks ---------------------------------------------------------------------------
def pricing(category: str, *, on: date | None = None, free_entry: bool = False) -> dict[str, Any]:
    """Meta's per-message pricing block; service messages were free until 2026-10-01.

    Inside a free entry point (72 h after a click-to-WhatsApp ad) every message is free.
    """
    on = on or timezone.localdate()
    if free_entry:
        return {"billable": False, "pricing_model": "PMP", "type": "free_entry_point", "category": category}
    if category == "service" and on < SERVICE_BILLING_STARTS:
        return {"billable": False, "pricing_model": "PMP", "type": "free_customer_service", "category": category}
    return {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}


def status_payload(
    *,
    number: SandboxPhoneNumber,
    message: SandboxMessage,
    status: str,
    category: str,
    free_entry: bool = False,
    failure: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One `statuses[]` webhook as Meta posts it since 2026: the customer in `contacts`, `recipient_id` (the
    phone, when known) and `recipient_user_id` (the BSUID); Meta's pricing on sent and delivered."""
    customer = identities.customer_for_key(number, message.wa_id)
    item: dict[str, Any] = {"id": message.wamid, "status": status, "timestamp": now_ts()}
    if customer.wa_id:
        item["recipient_id"] = customer.wa_id
    item["recipient_user_id"] = customer.user_id
    if message.body.get("biz_opaque_callback_data"):
        item["biz_opaque_callback_data"] = message.body["biz_opaque_callback_data"]
    if status in ("sent", "delivered"):
        item["pricing"] = pricing(category, free_entry=free_entry)
    if status == "failed":
        item["errors"] = [failure or UNDELIVERABLE]
    value = {"contacts": [customer.contact()], "statuses": [item]}
    return envelope(number.account.waba_id, number.phone_number_id, number.display_phone_number, value)


def schedule_statuses(
    *, number: SandboxPhoneNumber, message: SandboxMessage, category: str, failure: dict[str, Any] | None = None
) -> None:
    if message.wa_id.endswith(UNDELIVERABLE_SUFFIX):
        failure = failure or UNDELIVERABLE
    plan = (("failed", 0.3),) if failure else STATUS_DELAYS
    free_entry = in_free_entry_point(phone_number_id=number.phone_number_id, wa_id=message.wa_id)
    steps = []
    previous = 0.0
    for status, at in plan:

        def mark(status: str = status) -> None:
            SandboxMessage.objects.filter(pk=message.pk).update(status=status)

        payload = status_payload(
            number=number, message=message, status=status, category=category, free_entry=free_entry, failure=failure
        )
        steps.append((max(at - previous, 0.0), payload, mark))
        previous = at
    post_later(steps, url=number.webhook_override_url)
