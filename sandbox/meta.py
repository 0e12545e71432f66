"""Meta's shapes: ids, error bodies and webhook envelopes, as the real Graph API produces them."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from django.http import JsonResponse

ERROR_MESSAGES = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    131047: "Re-engagement message",
    131026: "Message undeliverable",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    133005: "Two step verification PIN Mismatch",
    133008: "Too many two step verification PIN guesses",
    133010: "Phone number Not Registered",
}


def new_wamid() -> str:
    return "wamid." + base64.b64encode(b"HBgM" + secrets.token_bytes(24)).decode().rstrip("=")


def new_numeric_id(digits: int = 15) -> str:
    return str(secrets.randbelow(9 * 10 ** (digits - 1)) + 10 ** (digits - 1))


def graph_error(code: int, http_status: int = 400, message: str = "", details: str = "") -> JsonResponse:
    body: dict[str, Any] = {
        "message": message or ERROR_MESSAGES.get(code, "An error occurred"),
        "type": "OAuthException",
        "code": code,
        "fbtrace_id": secrets.token_urlsafe(12),
    }
    if details:
        body["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return JsonResponse({"error": body}, status=http_status)


def envelope(waba_id: str, phone_number_id: str, display_phone_number: str, value: dict[str, Any]) -> dict:
    """The `whatsapp_business_account` webhook envelope around one `messages` change."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": display_phone_number, "phone_number_id": phone_number_id},
        **value,
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "changes": [{"field": "messages", "value": value}]}],
    }


def now_ts() -> str:
    return str(int(time.time()))
