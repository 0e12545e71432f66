"""Onboarding pages: sign up, choose hosted or Embedded Signup, verify the code, describe the business, go live.

Mobile-first, Spanish and English, plain forms with CSRF. Each view validates, calls one service, and shows an
`OnboardingError` as a form error in the shop owner's words.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from core.ids import parse_id
from core.phones import display_phone
from core.qr import qr_png, qr_svg
from onboarding import numbers, selectors, services
from onboarding.forms import BusinessForm, HostedNumberForm, PasswordForm, SignupForm, VerifyCodeForm
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


SESSION_KEY = "onboarding_client_id"


def _problem(request: HttpRequest, exc: OnboardingError) -> HttpResponse:
    context = {"error": exc.message, "error_code": exc.code}
    return render(request, "onboarding/problem.html", context, status=exc.status_code)


def with_setup_code(view=None, *, after_live: bool = False):
    """Resolve the setup code in the URL to its one client; an unknown or expired code shows a problem page.

    Once the client has a live number the code is retired (410 `setup_code_used`). Only the browser that
    used it before going live (its session remembers the client) still reaches the `after_live` pages:
    describe the business, the live page and its QR, set the first password. Adding numbers is over.
    """
    if view is None:
        return lambda actual: with_setup_code(actual, after_live=after_live)

    @wraps(view)
    def wrapper(request: HttpRequest, setup_code: str, *args, **kwargs):
        if request.method == "POST" and not SetupCodeThrottle().allow_request(request, None):
            return _too_many_requests(request)
        try:
            client = selectors.client_for_setup_code(setup_code=setup_code, allow_used=True)
        except OnboardingError as exc:
            return _problem(request, exc)
        if selectors.client_went_live(client=client):
            if not after_live or request.session.get(SESSION_KEY) != client.pk:
                return _problem(request, onboarding_error("setup_code_used"))
        elif request.session.get(SESSION_KEY) != client.pk:
            request.session.cycle_key()  # a fresh session id for the browser that holds the code
            request.session[SESSION_KEY] = client.pk
        return view(request, client, setup_code, *args, **kwargs)

    return wrapper


def _page(request: HttpRequest, template: str, client, setup_code: str, step: str, **context) -> HttpResponse:
    number = selectors.latest_number(client=client)
    context.update(
        client=client,
        setup_code=setup_code,
        number=number,
        phone_display=display_phone(number.phone_number) if number else "",
        number_problem=(user_message(number.failure_code) or number.status_reason) if number else "",
        step=step,
        step_index=STEPS.index(step) + 2,
        step_count=STEP_COUNT,
    )
    return render(request, f"onboarding/{template}", context, status=context.pop("status", 200))


def _show_error(form, exc: OnboardingError, *, field: str | None = None) -> None:
    """The error on the form; a weak password lists each of Django's reasons."""
    details = exc.details if isinstance(exc.details, dict) else {}
    for message in details.get("password") or [exc.message]:
        form.add_error(field, message)


def _home(setup_code: str) -> HttpResponse:
    return redirect("onboarding:home", setup_code)


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
            return _home(registration.setup_code)
    return render(request, "onboarding/signup.html", {"form": form, "step_index": 1, "step_count": STEP_COUNT})


@with_setup_code(after_live=True)
def home(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    step = selectors.onboarding_step(client=client)
    if step == "describe_business":
        return redirect("onboarding:business", setup_code)
    if step == "live":
        return redirect("onboarding:live", setup_code)
    if step == "verify_code":
        return _page(request, "verify.html", client, setup_code, step, form=VerifyCodeForm())
    url = onboarding_url(setup_code)
    return _page(request, "choose.html", client, setup_code, step, setup_qr=qr_svg(url, scale=4), onboarding_url=url)


def setup_qr_png(request: HttpRequest, setup_code: str) -> HttpResponse:
    """The setup link as a PNG to download or print (it only encodes the URL the holder already has)."""
    try:
        selectors.client_for_setup_code(setup_code=setup_code)
    except OnboardingError as exc:
        return HttpResponse(exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8")
    response = HttpResponse(qr_png(onboarding_url(setup_code)), content_type="image/png")
    response["Content-Disposition"] = 'attachment; filename="setup-qr.png"'
    return response


@require_http_methods(["GET", "POST"])
@with_setup_code
def hosted(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    form = HostedNumberForm(request.POST or None, initial={"display_name": client.business_name})
    if request.method == "POST" and form.is_valid():
        try:
            numbers.add_hosted_number(client=client, **form.cleaned_data)
        except OnboardingError as exc:
            form.add_error(None, exc.message)
        else:
            return _home(setup_code)
    return _page(request, "hosted.html", client, setup_code, "add_whatsapp", form=form)


@require_POST
@with_setup_code
def verify(request: HttpRequest, client, setup_code: str) -> HttpResponse:
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
            return _home(setup_code)
    step = selectors.onboarding_step(client=client)
    if step != "verify_code":
        return _home(setup_code)
    return _page(request, "verify.html", client, setup_code, step, form=form, status=400)


def _attempts_left(remaining: int) -> str:
    return ngettext("%(count)d try left.", "%(count)d tries left.", remaining) % {"count": remaining}


@require_POST
@with_setup_code
def resend(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    try:
        numbers.resend_code(client=client, method=request.POST.get("method", "SMS"))
    except OnboardingError as exc:
        return _page(
            request,
            "verify.html",
            client,
            setup_code,
            "verify_code",
            form=VerifyCodeForm(),
            page_error=exc.message,
            status=exc.status_code,
        )
    return redirect(reverse("onboarding:home", args=[setup_code]) + "?resent=1")


@with_setup_code
def connect(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    """Embedded Signup: Meta's SDK in production, the sandbox's stand-in popup when the sandbox is on."""
    return _page(
        request,
        "connect.html",
        client,
        setup_code,
        "add_whatsapp",
        sandbox=settings.WHATSAPP_SANDBOX,
        app_id=settings.WHATSAPP_APP_ID,
        config_id=settings.WHATSAPP_EMBEDDED_SIGNUP_CONFIG_ID,
        graph_version=settings.WHATSAPP_GRAPH_VERSION,
        cancelled_message=user_message("signup_cancelled"),
    )


@require_http_methods(["GET", "POST"])
@with_setup_code(after_live=True)
def business(request: HttpRequest, client, setup_code: str) -> HttpResponse:
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
        return _home(setup_code)
    return _page(request, "business.html", client, setup_code, "describe_business", form=form)


def _live_number(client) -> WhatsAppNumber | None:
    number = selectors.latest_number(client=client)
    return number if number and number.is_active else None


def _live_page(request, client, setup_code: str, number: WhatsAppNumber, password_form, status: int = 200):
    persona = getattr(client, "persona", None)
    chat_text = persona.click_to_chat_text if persona else ""
    chat_url = click_to_chat_url(number.phone_number, chat_text)
    owner = owner_of(client=client)
    return _page(
        request,
        "live.html",
        client,
        setup_code,
        "live",
        chat_url=chat_url,
        chat_qr=qr_svg(click_to_chat_qr_text(number.phone_number, chat_text), scale=5),
        needs_password=bool(owner and not owner.has_usable_password()),
        password_form=password_form,
        status=status,
    )


@with_setup_code(after_live=True)
def live(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    number = _live_number(client)
    if number is None:
        return _home(setup_code)
    return _live_page(request, client, setup_code, number, PasswordForm())


@with_setup_code(after_live=True)
def chat_qr_png(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    number = _live_number(client)
    if number is None:
        return HttpResponse(status=404)
    persona = getattr(client, "persona", None)
    png = qr_png(click_to_chat_qr_text(number.phone_number, persona.click_to_chat_text if persona else ""))
    response = HttpResponse(png, content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="whatsapp-{number.phone_number.lstrip("+")}.png"'
    return response


@require_POST
@with_setup_code(after_live=True)
def set_password(request: HttpRequest, client, setup_code: str) -> HttpResponse:
    form = PasswordForm(request.POST)
    if form.is_valid():
        try:
            services.set_owner_password(client=client, password=form.cleaned_data["password"])
        except OnboardingError as exc:
            _show_error(form, exc, field="password")
        else:
            return redirect(reverse("onboarding:live", args=[setup_code]) + "?password=1")
    number = _live_number(client)
    if number is None:
        return _home(setup_code)
    return _live_page(request, client, setup_code, number, form, status=400)


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
    return _home(services.issue_setup_code(client=client))


@operator_required
def capacity(request: HttpRequest) -> HttpResponse:
    """Operator: how many hosted numbers the portfolio holds against its cap, and their states."""
    numbers = (
        WhatsAppNumber.objects.filter(connection_type=WhatsAppNumber.ConnectionType.HOSTED)
        .select_related("client")
        .order_by("-updated_at")
    )
    return render(request, "onboarding/capacity.html", {"capacity": selectors.hosted_capacity(), "numbers": numbers})
