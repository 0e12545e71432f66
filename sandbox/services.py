"""What the sandbox does when the product or a pretend customer talks to it."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from sandbox.delivery import post_later, post_webhook
from sandbox.meta import envelope, new_wamid, now_ts
from sandbox.models import SandboxMessage, SandboxPhoneNumber

# Seconds between accepting a send and its sent / delivered / read webhooks.
STATUS_DELAYS = (("sent", 0.2), ("delivered", 0.4), ("read", 1.0))


def summarize(body: dict[str, Any]) -> str:
    kind = body.get("type", "text")
    obj = body.get(kind) or {}
    if kind == "text":
        return str(obj.get("body", ""))
    if kind == "template":
        return f"[template {obj.get('name')}]"
    if kind == "interactive":
        return str((obj.get("body") or {}).get("text", "[interactive]"))
    if kind == "reaction":
        return f"[reaction {obj.get('emoji', '')}]"
    return str(obj.get("caption") or f"[{kind}]")


def accept_outbound(number: SandboxPhoneNumber, body: dict[str, Any]) -> SandboxMessage:
    """Store a send from the product and schedule its status webhooks."""
    to = str(body.get("to", "")).lstrip("+")
    message = SandboxMessage.objects.create(
        phone_number_id=number.phone_number_id,
        direction=SandboxMessage.Direction.OUT,
        wa_id=to,
        type=str(body.get("type", "text")),
        text=summarize(body),
        body=body,
        wamid=new_wamid(),
    )
    if settings.SANDBOX_STATUS_WEBHOOKS:
        _schedule_statuses(number, message, body)
    return message


def _status_payload(number: SandboxPhoneNumber, message: SandboxMessage, status: str, body: dict) -> dict:
    item: dict[str, Any] = {"id": message.wamid, "status": status, "timestamp": now_ts(), "recipient_id": message.wa_id}
    if body.get("biz_opaque_callback_data"):
        item["biz_opaque_callback_data"] = body["biz_opaque_callback_data"]
    if status in ("sent", "delivered"):
        category = "service" if message.type != "template" else "utility"
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}
    return envelope(number.account.waba_id, number.phone_number_id, number.display_phone_number, {"statuses": [item]})


def _schedule_statuses(number: SandboxPhoneNumber, message: SandboxMessage, body: dict) -> None:
    steps = []
    previous = 0.0
    for status, at in STATUS_DELAYS:

        def mark(status=status):
            SandboxMessage.objects.filter(pk=message.pk).update(status=status)

        steps.append((max(at - previous, 0.0), _status_payload(number, message, status, body), mark))
        previous = at
    post_later(steps)


def customer_sends(
    number: SandboxPhoneNumber, *, wa_id: str, message: dict[str, Any], text: str, profile_name: str = ""
) -> tuple[SandboxMessage, int | None]:
    """An end customer writes to a number: store it and post the signed inbound webhook now."""
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
    value = {"contacts": [{"profile": {"name": profile_name or f"+{wa_id}"}, "wa_id": wa_id}], "messages": [item]}
    payload = envelope(number.account.waba_id, number.phone_number_id, number.display_phone_number, value)
    return stored, post_webhook(payload)
