"""Onboarding pages: sign up, choose hosted or Embedded Signup, verify the code, describe the business, go live.

Mobile-first, Spanish and English, plain forms with CSRF. Each view validates, calls one service, and shows an
`OnboardingError` as a form error in the shop owner's words.
"""

from __future__ import annotations

from functools import wraps

from csp.decorators import csp_update
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.ids import parse_id
from core.phones import display_phone
from core.qr import qr_png, qr_svg
from onboarding import numbers, selectors, services
from onboarding.forms import (
    BusinessForm,
    ChooseNumberForm,
    HostedNumberForm,
    PasswordForm,
    SignupForm,
    VerifyCodeForm,
)
from onboarding.links import onboarding_url
from onboarding.meta_errors import OnboardingError, onboarding_error, user_message
from onboarding.throttles import SetupCodeThrottle, SignupThrottle
from tenants.access import operator_required
from tenants.models import Membership, WhatsAppNumber
from tenants.selectors import memberships_of, owner_of
from whatsapp.links import click_to_chat_qr_text, click_to_chat_url

# The signup page is step 1; these follow it.
STEPS = ["add_whatsapp", "verify_code", "describe_business", "live"]
STEP_COUNT = len(STEPS) + 1


def _too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(request, "onboarding/problem.html", {"error_code": "rate_limited"}, status=429)


# The browser's onboarding state: {"client": id, "digest": the setup code's digest, "code": the code itself
# while the client is not live (the choose page shows the link as a QR to go on on a phone; the Embedded
# Signup page posts it to the API)}. It is only ever set by opening the onboarding link or signing up.
SESSION_KEY = "onboarding"


def _problem(request: HttpRequest, exc: OnboardingError) -> HttpResponse:
    context = {"error": exc.message, "error_code": exc.code}
    return render(request, "onboarding/problem.html", context, status=exc.status_code)


def _bind(request: HttpRequest, client, setup_code: str) -> None:
    """Remember in this browser's session which client it onboards; a fresh session id when that changes."""
    state = request.session.get(SESSION_KEY) or {}
    if state.get("client") != client.pk:
        request.session.cycle_key()
    request.session[SESSION_KEY] = {"client": client.pk, "digest": client.setup_code_digest, "code": setup_code}


def _session_client(request: HttpRequest, *, after_live: bool):
    """The client this browser's session onboards, checked as the setup code would be (expired, replaced,
    retired once live); raises the `OnboardingError` to show."""
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or not state.get("client"):
        raise onboarding_error("onboarding_link_needed")
    client = selectors.client_for_setup_code_digest(
        digest=str(state.get("digest") or ""), client_id=state["client"], allow_used=True
    )
    if selectors.client_went_live(client=client):
        if state.get("code"):  # the code has done its job: the session no longer keeps it
            request.session[SESSION_KEY] = {**state, "code": ""}
        if not after_live:
            raise onboarding_error("setup_code_used")
    return client


def onboarding_page(view=None, *, after_live: bool = False):
    """Resolve this browser's onboarding session to its one client; no session, an expired or replaced code
    shows a problem page. The URL never carries the setup code: `link` trades it for the session.

    Once the client has a live number the code is retired (410 `setup_code_used`). Only the browser that
    used it before going live (its session is bound to the client) still reaches the `after_live` pages:
    describe the business, the live page and its QR, set the first password. Adding numbers is over.
    """
    if view is None:
        return lambda actual: onboarding_page(actual, after_live=after_live)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if request.method == "POST" and not SetupCodeThrottle().allow_request(request, None):
            return _too_many_requests(request)
        try:
            client = _session_client(request, after_live=after_live)
        except OnboardingError as exc:
            return _problem(request, exc)
        return view(request, client, *args, **kwargs)

    return wrapper


def _see_other(url: str) -> HttpResponse:
    """A 303 to a code-free page, never cached (the request that led here carried the setup code)."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, setup_code: str, page: str = "home") -> HttpResponse:
    """The onboarding link (`/onboarding/<code>/`, and the old per-page paths that carried the code): trade
    the code for this browser's onboarding session and go on at the code-free page, so no later URL, form
    or redirect carries it. A POST to an old path (a page rendered before) lands on its page to send again.

    After the client went live only a browser already bound to it gets through (to its live pages).
    """
    if request.method == "POST" and not SetupCodeThrottle().allow_request(request, None):
        return _too_many_requests(request)
    try:
        client = selectors.client_for_setup_code(setup_code=setup_code, allow_used=True)
    except OnboardingError as exc:
        return _problem(request, exc)
    if selectors.client_went_live(client=client):
        state = request.session.get(SESSION_KEY) or {}
        if state.get("client") != client.pk or state.get("digest") != client.setup_code_digest:
            return _problem(request, onboarding_error("setup_code_used"))
    else:
        _bind(request, client, setup_code)
    return _see_other(reverse(f"onboarding:{page}"))


def _page(request: HttpRequest, template: str, client, step: str, **context) -> HttpResponse:
    number = selectors.latest_number(client=client)
    context.update(
        client=client,
        number=number,
        phone_display=display_phone(number.phone_number) if number else "",
        number_problem=(user_message(number.failure_code) or number.status_reason) if number else "",
        step=step,
        step_index=STEPS.index(step) + 2,
        step_count=STEP_COUNT,
    )
    return render(request, f"onboarding/{template}", context, status=context.pop("status", 200))


def _session_code(request: HttpRequest) -> str:
    """The setup code this session was given (only before the client is live)."""
    return str((request.session.get(SESSION_KEY) or {}).get("code") or "")


def _show_error(form, exc: OnboardingError, *, field: str | None = None) -> None:
    """The error on the form; a weak password lists each of Django's reasons."""
    details = exc.details if isinstance(exc.details, dict) else {}
    for message in details.get("password") or [exc.message]:
        form.add_error(field, message)


def _home() -> HttpResponse:
    return redirect("onboarding:home")


def _start(request: HttpRequest, setup_code: str) -> HttpResponse:
    """After a sign-up or a fresh link from the portal: bind this session and open onboarding, code-free.

    A code that opens nothing (a sign-up with an e-mail that has an account) unbinds the session and goes
    to the same URL, so the answer looks alike."""
    try:
        client = selectors.client_for_setup_code(setup_code=setup_code)
    except OnboardingError:
        request.session.pop(SESSION_KEY, None)
    else:
        _bind(request, client, setup_code)
    return _home()


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not SignupThrottle().allow_request(request, None):
            return _too_many_requests(request)
        try:
            registration = services.signup(**form.cleaned_data)
        except OnboardingError as exc:
            _show_error(form, exc, field={"weak_password": "password"}.get(exc.code))
        else:
            # Alike for a new e-mail and one with an account (whose holder is e-mailed instead).
            return _start(request, registration.setup_code)
    return render(request, "onboarding/signup.html", {"form": form, "step_index": 1, "step_count": STEP_COUNT})


@onboarding_page(after_live=True)
def home(request: HttpRequest, client) -> HttpResponse:
    step = selectors.onboarding_step(client=client)
    if step == "describe_business":
        return redirect("onboarding:business")
    if step == "live":
        return redirect("onboarding:live")
    if step == "verify_code":
        return _page(request, "verify.html", client, step, form=VerifyCodeForm())
    if step == "choose_number":
        return redirect("onboarding:choose-number")
    url = onboarding_url(_session_code(request))
    return _page(request, "choose.html", client, step, setup_qr=qr_svg(url, scale=4))


@onboarding_page
def setup_qr_png(request: HttpRequest, client) -> HttpResponse:
    """The setup link as a PNG to download or print (it only encodes the link this browser opened)."""
    return _setup_qr_response(_session_code(request))


def link_qr_png(request: HttpRequest, setup_code: str) -> HttpResponse:
    """The setup link as a PNG for API callers (`qr_code_png_url`): it only encodes the URL the holder has."""
    try:
        selectors.client_for_setup_code(setup_code=setup_code)
    except OnboardingError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8")
    return _setup_qr_response(setup_code)


def _setup_qr_response(setup_code: str) -> HttpResponse:
    response = HttpResponse(qr_png(onboarding_url(setup_code)), content_type="image/png")
    response["Content-Disposition"] = 'attachment; filename="setup-qr.png"'
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@onboarding_page
def choose_number(request: HttpRequest, client) -> HttpResponse:
    """Embedded Signup connected the client's WABA without a single number: pick one of its numbers, or add one
    (Meta then sends it the 6-digit code, typed on the verify step)."""
    pending = selectors.pending_waba_of(client=client)
    if pending is None:
        return _home()
    adding = request.method == "POST" and "add" in request.POST
    form = ChooseNumberForm(request.POST if request.method == "POST" and not adding else None)
    add_form = HostedNumberForm(request.POST if adding else None, initial={"display_name": client.business_name})
    try:
        if adding and add_form.is_valid():
            numbers.add_embedded_number(client=client, **add_form.cleaned_data)
            return _home()
        if form.is_bound and form.is_valid():
            numbers.pick_embedded_number(client=client, phone_number_id=form.cleaned_data["phone_number_id"])
            return _home()
    except OnboardingError as exc:
        (add_form if adding else form).add_error(None, exc.message)
    status = 400 if request.method == "POST" else 200
    # Shown where the code step sits for hosted numbers: the second step of connecting.
    context = {"form": form, "add_form": add_form, "pending": pending, "status": status}
    return _page(request, "choose_number.html", client, "verify_code", **context)


@require_http_methods(["GET", "POST"])
@onboarding_page
def hosted(request: HttpRequest, client) -> HttpResponse:
    form = HostedNumberForm(request.POST or None, initial={"display_name": client.business_name})
    if request.method == "POST" and form.is_valid():
        try:
            numbers.add_hosted_number(client=client, **form.cleaned_data)
        except OnboardingError as exc:
            form.add_error(None, exc.message)
        else:
            return _home()
    return _page(request, "hosted.html", client, "add_whatsapp", form=form)


@require_POST
@onboarding_page
def verify(request: HttpRequest, client) -> HttpResponse:
    form = VerifyCodeForm(request.POST)
    if form.is_valid():
        try:
            numbers.verify_hosted_number(client=client, code=form.cleaned_data["code"])
        except OnboardingError as exc:
            remaining = (exc.details or {}).get("attempts_remaining") if isinstance(exc.details, dict) else None
            form.add_error("code", exc.message)
            if remaining is not None:
                form.add_error("code", _attempts_left(remaining))
        else:
            return _home()
    step = selectors.onboarding_step(client=client)
    if step != "verify_code":
        return _home()
    return _page(request, "verify.html", client, step, form=form, status=400)


def _attempts_left(remaining: int) -> str:
    return ngettext("%(count)d try left.", "%(count)d tries left.", remaining) % {"count": remaining}


@require_POST
@onboarding_page
def resend(request: HttpRequest, client) -> HttpResponse:
    try:
        numbers.resend_code(client=client, method=request.POST.get("method", "SMS"))
    except OnboardingError as exc:
        return _page(
            request,
            "verify.html",
            client,
            "verify_code",
            form=VerifyCodeForm(),
            page_error=exc.message,
            status=exc.status_code,
        )
    return redirect(reverse("onboarding:home") + "?resent=1")


# Meta's JavaScript SDK on the Embedded Signup page only: its script, and the facebook.com frames and calls
# of FB.login. Every other page keeps the site-wide policy (settings.CONTENT_SECURITY_POLICY).
META_SDK_CSP = {
    "script-src": ["https://connect.facebook.net"],
    "frame-src": ["https://www.facebook.com", "https://*.facebook.com"],
    "connect-src": ["https://www.facebook.com", "https://*.facebook.com"],
}


@csp_update(META_SDK_CSP)
@onboarding_page
def connect(request: HttpRequest, client) -> HttpResponse:
    """Embedded Signup: Meta's SDK in production, the sandbox's stand-in popup when the sandbox is on.

    The page's script posts the session's setup code to the API in the JSON body (design.md's contract)."""
    return _page(
        request,
        "connect.html",
        client,
        "add_whatsapp",
        setup_code=_session_code(request),
        sandbox=settings.WHATSAPP_SANDBOX,
        app_id=settings.WHATSAPP_APP_ID,
        config_id=settings.WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID,
        graph_version=settings.WHATSAPP_GRAPH_VERSION,
        cancelled_message=user_message("signup_cancelled"),
    )


@require_http_methods(["GET", "POST"])
@onboarding_page(after_live=True)
def business(request: HttpRequest, client) -> HttpResponse:
    persona = getattr(client, "persona", None)
    initial = {
        "business_description": persona.business_description if persona else "",
        "click_to_chat_text": (persona.click_to_chat_text if persona else "")
        or services.default_click_to_chat_text(client),
        "greeting": persona.greeting if persona else "",
        "business_hours": persona.business_hours if persona else "",
    }
    form = BusinessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.save_business_profile(client=client, **form.cleaned_data)
        return _home()
    return _page(request, "business.html", client, "describe_business", form=form)


def _live_number(client) -> WhatsAppNumber | None:
    number = selectors.latest_number(client=client)
    return number if number and number.is_active else None


def _live_page(request, client, number: WhatsAppNumber, password_form, status: int = 200):
    persona = getattr(client, "persona", None)
    chat_text = persona.click_to_chat_text if persona else ""
    chat_url = click_to_chat_url(number.phone_number, chat_text)
    owner = owner_of(client=client)
    return _page(
        request,
        "live.html",
        client,
        "live",
        chat_url=chat_url,
        chat_qr=qr_svg(click_to_chat_qr_text(number.phone_number, chat_text), scale=5),
        needs_password=bool(owner and not owner.has_usable_password()),
        password_form=password_form,
        status=status,
    )


@onboarding_page(after_live=True)
def live(request: HttpRequest, client) -> HttpResponse:
    number = _live_number(client)
    if number is None:
        return _home()
    return _live_page(request, client, number, PasswordForm())


@onboarding_page(after_live=True)
def chat_qr_png(request: HttpRequest, client) -> HttpResponse:
    number = _live_number(client)
    if number is None:
        return HttpResponse(status=404)
    persona = getattr(client, "persona", None)
    png = qr_png(click_to_chat_qr_text(number.phone_number, persona.click_to_chat_text if persona else ""))
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="whatsapp-{number.phone_number.lstrip("+")}.png"'
    return response


@require_POST
@onboarding_page(after_live=True)
def set_password(request: HttpRequest, client) -> HttpResponse:
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_owner_password(client=client, password=form.cleaned_data["password"])
        except OnboardingError as exc:
            _show_error(form, exc, field="password")
        else:
            return redirect(reverse("onboarding:live") + "?password=1")
    number = _live_number(client)
    if number is None:
        return _home()
    return _live_page(request, client, number, form, status=400)


@require_POST
@login_required
def resume(request: HttpRequest) -> HttpResponse:
    """An owner who left onboarding half-way comes back from the portal: a fresh setup link, straight to the step.

    The client comes from the user's own owner memberships, so an id that is not theirs resumes nothing.
    """
    client_id = parse_id(request.POST.get("client_id", ""))
    owned = {m.client_id: m.client for m in memberships_of(request.user) if m.role == Membership.Role.OWNER}
    client = owned.get(client_id) if client_id else None
    if client is None:
        raise Http404("No such client.")
    return _start(request, services.issue_setup_code(client=client))


@operator_required
def capacity(request: HttpRequest) -> HttpResponse:
    """Operator: how many hosted numbers the portfolio holds against its cap, and their states."""
    numbers = (
        WhatsAppNumber.objects.filter(connection_type=WhatsAppNumber.ConnectionType.HOSTED)
        .select_related("client")
        .order_by("-updated_at")
    )
    return render(request, "onboarding/capacity.html", {"capacity": selectors.hosted_capacity(), "numbers": numbers})
