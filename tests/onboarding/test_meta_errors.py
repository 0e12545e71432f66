"""Meta's error bodies → our error codes, HTTP statuses and the shop owner's words, in Spanish and English."""

from __future__ import annotations

import pytest
from django.utils import translation

from onboarding.meta_errors import ERRORS, error_for_graph
from whatsapp.errors import error_from_response


def meta_error(code: int, message: str = "Error", details: str = "", http_status: int = 400):
    body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}}
    if details:
        body["error"]["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return error_from_response(http_status, body)


@pytest.mark.parametrize(
    ("step", "meta", "expected", "status"),
    [
        ("verify", meta_error(136025, "Verify code error", "The code you entered is not correct"), "wrong_code", 400),
        (
            "verify",
            meta_error(136025, "Verify code error", "The code has expired; request a new one"),
            "code_expired",
            400,
        ),
        ("verify", meta_error(133008, "Too many two step verification PIN guesses"), "too_many_attempts", 429),
        (
            "request_code",
            meta_error(136024, "Request code error", "The number is registered on WhatsApp"),
            "number_on_whatsapp",
            400,
        ),
        ("request_code", meta_error(136024, "Request code error"), "meta_refused", 400),
        (
            "register",
            meta_error(133016, "Account register deregister rate limit exceeded"),
            "register_limit_reached",
            429,
        ),
        ("register", meta_error(133005, "Two step verification PIN Mismatch"), "pin_mismatch", 409),
        ("register", meta_error(133006, "Phone number re-verification needed"), "needs_verification", 409),
        (
            "add",
            meta_error(100, "Phone number is not eligible", "+573001230000 is still registered on WhatsApp"),
            "number_on_whatsapp",
            400,
        ),
        (
            "add",
            meta_error(
                100, "Phone number limit reached", "This business portfolio has reached its limit of 2 phone numbers"
            ),
            "portfolio_cap_reached",
            409,
        ),
        ("add", meta_error(100, "Invalid parameter", "verified_name is not acceptable"), "display_name_rejected", 400),
        ("add", meta_error(100, "Display name rejected: does not match the business"), "display_name_rejected", 400),
        (
            "add",
            meta_error(100, "Invalid parameter", "already belongs to another WhatsApp Business Account"),
            "number_in_use",
            409,
        ),
        ("add", meta_error(190, "Invalid OAuth access token", http_status=401), "meta_token_rejected", 502),
        ("embedded", meta_error(190, "Invalid OAuth access token", http_status=401), "reconnect_required", 400),
        ("embedded", meta_error(200, "Permissions error"), "reconnect_required", 400),
        ("exchange", meta_error(100, "This authorization code has expired."), "signup_code_expired", 400),
        ("exchange", meta_error(100, "This authorization code has been used."), "signup_code_expired", 400),
        ("exchange", meta_error(101, "Error validating client secret."), "app_misconfigured", 502),
        ("add", meta_error(131000, "Something went wrong", http_status=500), "meta_unavailable", 503),
        ("request_code", meta_error(80007, "Rate limit issues"), "meta_unavailable", 503),
        ("request_code", meta_error(131031, "Account locked"), "meta_refused", 400),
    ],
)
def test_meta_errors_map_to_clear_codes(step, meta, expected, status):
    error = error_for_graph(meta, step=step)
    assert (error.code, error.status_code) == (expected, status)
    assert error.details["meta_code"] == meta.code


def test_every_error_speaks_spanish_and_english():
    for code, spec in ERRORS.items():
        with translation.override("en"):
            english = str(spec.message)
        with translation.override("es"):
            spanish = str(spec.message)
        assert english and spanish and english != spanish, code
