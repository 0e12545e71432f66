"""Meta-shaped webhook payloads captured in tests/fixtures/meta/, filled in for a test's number."""

from __future__ import annotations

import json
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "meta"


def meta_payload(name: str, number, **values: str) -> dict:
    """Load `name`.json with {phone_number_id}, {display_phone_number}, {waba_id} and `values` filled in."""
    text = (FIXTURES / f"{name}.json").read_text()
    fill = {
        "phone_number_id": number.phone_number_id or "",
        "display_phone_number": number.phone_number.lstrip("+"),
        "waba_id": number.waba_id or "",
        **values,
    }
    for key, value in fill.items():
        text = text.replace("{" + key + "}", value)
    return json.loads(text)


def messages_envelope(number, messages: list[dict], *, sender: str = "573001112233", name: str = "Ana") -> dict:
    """The `whatsapp_business_account` webhook Meta posts for these `messages[]` from one customer."""
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": number.waba_id,
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": number.phone_number.lstrip("+"),
                                "phone_number_id": number.phone_number_id,
                            },
                            "contacts": [{"profile": {"name": name}, "wa_id": sender}],
                            "messages": messages,
                        },
                    }
                ],
            }
        ],
    }


def text_message(number, *, wamid: str, text: str = "Hola", sender: str = "573001112233", ts: str = "1763776000"):
    """One inbound text message, as Meta posts it."""
    message = {"from": sender, "id": wamid, "timestamp": ts, "type": "text", "text": {"body": text}}
    return messages_envelope(number, [message], sender=sender)
