"""Every onboarding failure in one place: an API error code, an HTTP status and words a shop owner understands.

Graph errors arrive typed (`whatsapp.errors`) with Meta's numeric code and details; `error_for_graph` turns
them into an `OnboardingError` that the API renders as `{"error": {"code", "message", "details"}}` and the
onboarding pages show as a form error. Messages are translated (Spanish by default, English).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.exceptions import ApplicationError
from whatsapp.errors import AuthenticationError, GraphError, TransientGraphError


class ErrorSpec(NamedTuple):
    status: int
    message: Promise


ERRORS: dict[str, ErrorSpec] = {
    # Setup codes and requests.
    "invalid_setup_code": ErrorSpec(404, _("This setup link is not valid. Check it or ask for a new one.")),
    "setup_code_expired": ErrorSpec(410, _("This setup link has expired. Ask us for a new one.")),
    "setup_code_used": ErrorSpec(
        410, _("This setup link was already used: your number is live. Log in to manage your account.")
    ),
    "onboarding_link_needed": ErrorSpec(
        403, _("Open the setup link you received (or scan its QR code) in this browser to go on.")
    ),
    "email_in_use": ErrorSpec(400, _("There is already an account with this email. Log in instead.")),
    "client_not_found": ErrorSpec(404, _("No such client.")),
    "weak_password": ErrorSpec(400, _("Choose a stronger password.")),
    "password_already_set": ErrorSpec(409, _("This account already has a password. Log in with it.")),
    "invalid_phone_number": ErrorSpec(
        400, _("That does not look like a valid mobile number. Write it with the country code, e.g. +57 300 123 4567.")
    ),
    "invalid_code_format": ErrorSpec(400, _("The code has 6 digits. Type only the numbers you received.")),
    # Number state.
    "number_in_use": ErrorSpec(409, _("This number is already connected to another account.")),
    "number_already_active": ErrorSpec(409, _("This number is already connected and working.")),
    "no_pending_number": ErrorSpec(409, _("There is no number waiting for a code. Add your number first.")),
    "number_failed": ErrorSpec(409, _("Connecting this number failed. Add the number again to retry.")),
    # Limits that keep one sign-up from filling the operator's WhatsApp account (docs/security.md).
    "number_pending": ErrorSpec(
        409, _("Another number of yours is still waiting for its code. Finish that one or wait a moment.")
    ),
    "number_expired": ErrorSpec(
        409, _("This number was not confirmed in time and was removed. Add it again in a few minutes.")
    ),
    "number_attempts_exhausted": ErrorSpec(
        429, _("You have tried too many different numbers. Contact us and we will connect yours.")
    ),
    "onboarding_complete": ErrorSpec(
        409, _("Your number is already live. To connect another number, contact us from your account.")
    ),
    # Verification codes.
    "wrong_code": ErrorSpec(
        400, _("That code is not right. Check the last SMS (or call) with the code and try again.")
    ),
    "code_expired": ErrorSpec(400, _("That code has expired. Ask for a new code.")),
    "too_many_attempts": ErrorSpec(
        429, _("Too many wrong codes. Ask for a new code, wait a few minutes and try again.")
    ),
    "register_limit_reached": ErrorSpec(
        429,
        _("This number was connected and disconnected too many times. WhatsApp blocks it for 72 hours; try later."),
    ),
    "resend_too_soon": ErrorSpec(429, _("We just sent a code. Wait a minute before asking for another one.")),
    # What Meta says about the number itself.
    "number_on_whatsapp": ErrorSpec(
        400,
        _(
            "This number is still used by a WhatsApp or WhatsApp Business app. Delete that account in the app "
            "(Settings > Account > Delete account), then try again."
        ),
    ),
    "portfolio_cap_reached": ErrorSpec(
        409,
        _(
            "We cannot host more numbers right now: our WhatsApp account is full. Choose 'connect my own "
            "WhatsApp Business account' or contact us."
        ),
    ),
    "display_name_rejected": ErrorSpec(
        400, _("WhatsApp did not accept that display name. Use your business name as customers know it.")
    ),
    "pin_mismatch": ErrorSpec(
        409,
        _(
            "This number has a two-step verification PIN from a previous provider. Turn it off in WhatsApp "
            "Manager or ask that provider, then try again."
        ),
    ),
    "needs_verification": ErrorSpec(409, _("WhatsApp needs to verify this number again. Ask for a new code.")),
    # Embedded Signup.
    "signup_cancelled": ErrorSpec(
        400, _("You closed the Facebook window before finishing. Nothing was connected; you can start again.")
    ),
    "signup_code_expired": ErrorSpec(
        400, _("The Facebook connection took too long and expired. Please connect your account again.")
    ),
    "reconnect_required": ErrorSpec(
        400, _("Facebook no longer lets us use your WhatsApp account. Please connect your account again.")
    ),
    # Our side or Meta's side, not the shop owner's.
    "meta_token_rejected": ErrorSpec(
        502, _("WhatsApp refused our connection. We have been told and will fix it; try again later.")
    ),
    "app_misconfigured": ErrorSpec(
        502, _("Our WhatsApp app is not set up correctly. We have been told and will fix it; try again later.")
    ),
    "meta_unavailable": ErrorSpec(503, _("WhatsApp is not answering right now. Try again in a minute.")),
    "meta_refused": ErrorSpec(400, _("WhatsApp did not accept this step. Check the details and try again.")),
    "number_not_in_waba": ErrorSpec(
        400, _("That number is not in your WhatsApp Business account. Pick one of the numbers listed.")
    ),
    "no_pending_waba": ErrorSpec(
        409, _("There is no connected WhatsApp Business account waiting for a number. Connect with Facebook first.")
    ),
}


class OnboardingError(ApplicationError):
    """A failed onboarding step; `code` is a key of ERRORS."""


def onboarding_error(code: str, *, details: Any = None, message: str | None = None) -> OnboardingError:
    spec = ERRORS[code]
    return OnboardingError(message or str(spec.message), code=code, status=spec.status, details=details)


def user_message(code: str) -> str:
    """The translated sentence for a stored failure code (pages show it next to a failed number)."""
    spec = ERRORS.get(code)
    return str(spec.message) if spec else ""


def _text(exc: GraphError) -> str:
    return f"{exc.message} {exc.details}".lower()


def _code_for_parameter_error(exc: GraphError) -> str:
    """Meta answers many onboarding refusals with code 100 and says what is wrong in words."""
    text = _text(exc)
    if "not eligible" in text or "still registered on whatsapp" in text or "registered on whatsapp" in text:
        return "number_on_whatsapp"
    if "limit" in text and ("phone number" in text or "portfolio" in text):
        return "portfolio_cap_reached"
    if "another whatsapp business account" in text or "belongs to another" in text:
        return "number_in_use"
    if "verified_name" in text or "display name" in text:
        return "display_name_rejected"
    if "not a valid phone number" in text:
        return "invalid_phone_number"
    return "meta_refused"


def _code_for_graph(exc: GraphError, step: str) -> str:
    if isinstance(exc, TransientGraphError):
        return "meta_unavailable"
    if isinstance(exc, AuthenticationError):
        return "reconnect_required" if step == "embedded" else "meta_token_rejected"
    code = exc.code
    if step == "exchange":
        if code in (1, 101):
            return "app_misconfigured"
        return "signup_code_expired"
    if code in (133008, 133009):
        return "too_many_attempts"
    if code == 133016:
        return "register_limit_reached"
    if code == 136024 or (code == 136025 and step == "request_code"):
        # Meta could not send the code; usually because the number is still in a WhatsApp app.
        text = _text(exc)
        return "number_on_whatsapp" if "registered" in text or "in use" in text else "meta_refused"
    if code == 136025:
        return "code_expired" if "expired" in _text(exc) else "wrong_code"
    if code == 133005:
        return "pin_mismatch"
    if code == 133006:
        return "needs_verification"
    if code in (3, 10) or (code is not None and 200 <= code <= 299):
        return "reconnect_required" if step == "embedded" else "meta_token_rejected"
    if code == 100:
        return _code_for_parameter_error(exc)
    return "meta_refused"


def error_for_graph(exc: GraphError, *, step: str) -> OnboardingError:
    """The onboarding error for a Graph failure at `step` (add, request_code, verify, register, exchange, embedded)."""
    code = _code_for_graph(exc, step)
    details = {"meta_code": exc.code, "meta_message": exc.message}
    if exc.details:
        details["meta_details"] = exc.details
    return onboarding_error(code, details=details)
