"""Pages people use: the Embedded Signup stand-in popup and the end customer's phone."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from sandbox import accounts
from sandbox.models import SandboxPhoneNumber
from sandbox.views.api import signup_result

CANCEL_STEP = "PHONE_NUMBER_SETUP"
SIGNUP_ERRORS = {
    "invalid_phone": gettext_lazy("Type the phone number with its country code, e.g. +573001234567."),
    "not_eligible": gettext_lazy("This number is still registered on WhatsApp; delete that account first."),
    "name_required": gettext_lazy("Type the business name."),
    "hosted": gettext_lazy("This number is already connected through the operator's account."),
}


def _with_language(request: HttpRequest) -> str | None:
    """`?lang=en|es` switches the page language and remembers it in Django's language cookie."""
    lang = request.GET.get("lang", "")
    if lang in dict(settings.LANGUAGES):
        translation.activate(lang)
        request.LANGUAGE_CODE = lang
        return lang
    return None


def _remember(response: HttpResponse, lang: str | None) -> HttpResponse:
    if lang:
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, lang, samesite="Lax")
    return response


def _finish_events(request: HttpRequest, result: dict[str, str]) -> list[dict]:
    """What Meta's SDK hands the opener after a finished signup. Real Meta varies, and so can the sandbox
    (query string): `finish=only_waba` (FINISH_ONLY_WABA, no phone_number_id), `order=code_first` (the login
    callback before the session info), `auth=none` (the popup finishes without an authResponse)."""
    only_waba = request.GET.get("finish") == "only_waba"
    keys = ("waba_id", "business_id") if only_waba else ("phone_number_id", "waba_id", "business_id")
    session = {
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH_ONLY_WABA" if only_waba else "FINISH",
        "data": {k: result[k] for k in keys},
    }
    auth = None if request.GET.get("auth") == "none" else {"code": result["code"]}
    login = {"type": "SANDBOX_FB_LOGIN", "authResponse": auth}
    return [login, session] if request.GET.get("order") == "code_first" else [session, login]


@require_http_methods(["GET", "POST"])
def embedded_signup(request: HttpRequest) -> HttpResponse:
    """Meta's Embedded Signup v4 popup, offline: confirm business and number, or cancel.

    The result page hands the opener the same two messages Meta's SDK and FB.login would.
    """
    lang = _with_language(request)
    form = {
        "business_name": request.POST.get("business_name", request.GET.get("client", "")),
        "phone_number": request.POST.get("phone_number", request.GET.get("phone", "")),
    }
    if request.method == "POST" and request.POST.get("action") == "cancel":
        events = [
            {"type": "WA_EMBEDDED_SIGNUP", "event": "CANCEL", "data": {"current_step": CANCEL_STEP}},
            {"type": "SANDBOX_FB_LOGIN", "authResponse": None},
        ]
        return render(request, "sandbox/embedded_signup_done.html", {"events": events, "cancelled": True})
    error = ""
    if request.method == "POST":
        try:
            code, number = accounts.embedded_signup(
                business_name=form["business_name"], phone_number=form["phone_number"]
            )
        except accounts.SignupRefused as exc:
            error = SIGNUP_ERRORS.get(exc.code, str(exc))
        else:
            result = signup_result(code, number)
            events = _finish_events(request, result)
            context = {"events": events, "result": result, "cancelled": False}
            return render(request, "sandbox/embedded_signup_done.html", context)
    response = render(
        request, "sandbox/embedded_signup.html", {"form": form, "error": error}, status=400 if error else 200
    )
    return _remember(response, lang)


@require_GET
def phone(request: HttpRequest) -> HttpResponse:
    """A phone-like chat where a person plays the end customer of any connected number."""
    lang = _with_language(request)
    numbers = SandboxPhoneNumber.objects.filter(registered=True).order_by("verified_name", "id")
    strings = {
        "typing": _("typing…"),
        "send_failed": _("Could not send. Try again."),
        "no_number": _("Choose a number first."),
        "bad_phone": _(
            "Type your phone number with the country code, e.g. +573001234567, or a username such as @lucia.m."
        ),
        "location_name": _("My location"),
        "yes": _("Yes"),
        "no": _("No"),
        "empty": _("Say hello to start the chat."),
        "edit_needs_text": _("Type the new version of your last message first."),
    }
    context = {"numbers": numbers, "strings": strings, "language": translation.get_language()}
    return _remember(render(request, "sandbox/phone.html", context), lang)
