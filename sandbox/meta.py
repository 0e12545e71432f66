"""Meta's shapes: ids, error bodies and webhook envelopes, as the real Graph API produces them."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any

from django.http import JsonResponse

ERROR_MESSAGES = {
    1: "An unknown error occurred",
    2: "Service temporarily unavailable",
    4: "Application request limit reached",
    15: "(#15) This method must be called with an app access_token.",
    100: "Invalid parameter",
    101: "Error validating client secret.",
    190: "Invalid OAuth access token - Cannot parse access token",
    200: "(#200) Permissions error",
    2200: "(#2200) callback verification failed",
    80007: "Rate limit issues",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131008: "Required parameter is missing",
    131016: "Service unavailable",
    131026: "Message undeliverable",
    131042: "Business eligibility payment issue",
    131047: "Re-engagement message",
    131049: "This message was not delivered to maintain healthy ecosystem engagement.",
    131050: "Unable to deliver the message. This recipient has chosen to stop receiving marketing messages.",
    131051: "Unsupported message type",
    131053: "Media upload error",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    132000: "Number of parameters does not match the expected number of params",
    132001: "Template name does not exist in the translation",
    132015: "Template is Paused",
    132016: "Template is Disabled",
    133005: "Two step verification PIN Mismatch",
    133006: "Phone number re-verification needed",
    133008: "Too many two step verification PIN guesses",
    133010: "Phone number Not Registered",
    133016: "Account register deregister rate limit exceeded",
    136025: "Verify code error",
}


class MetaError(Exception):
    """Raised by sandbox services; views answer it with Meta's error object."""

    def __init__(self, code: int, details: str = "", *, http_status: int = 400, message: str = ""):
        super().__init__(message or ERROR_MESSAGES.get(code, "An error occurred"))
        self.code = code
        self.details = details
        self.http_status = http_status
        self.message = message or ERROR_MESSAGES.get(code, "An error occurred")

    def response(self) -> JsonResponse:
        return graph_error(self.code, self.http_status, self.message, self.details)


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


def digits(value: object) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


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


def account_envelope(waba_id: str, field: str, value: dict[str, Any]) -> dict:
    """An envelope for a WABA-level field (templates, account updates): `time`, no metadata."""
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": int(time.time()), "changes": [{"field": field, "value": value}]}],
    }
