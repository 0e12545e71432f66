"""Meta-shaped webhook payloads for billing tests."""

from __future__ import annotations

import time
import uuid


def _envelope(number, value: dict) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {
            "display_phone_number": number.phone_number.lstrip("+"),
            "phone_number_id": number.phone_number_id,
        },
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": number.waba_id, "changes": [{"field": "messages", "value": value}]}],
    }


def inbound_payload(number, text: str, sender: str = "573001112233") -> dict:
    return _envelope(
        number,
        {
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": sender}],
            "messages": [
                {
                    "from": sender,
                    "id": f"wamid.IN{uuid.uuid4().hex}",
                    "timestamp": str(int(time.time())),
                    "type": "text",
                    "text": {"body": text},
                }
            ],
        },
    )


def status_payload(number, wamid: str, status: str, category: str = "service", recipient: str = "573001112233") -> dict:
    item = {"id": wamid, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient}
    if status in ("sent", "delivered"):
        item["pricing"] = {"billable": True, "pricing_model": "PMP", "type": "regular", "category": category}
    return _envelope(number, {"statuses": [item]})
