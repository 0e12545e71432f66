"""Log in with email and password, log out, and pick the client to act for when the user has several."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from core.ids import parse_id
from core.throttles import first_refusal
from portal.access import SESSION_CLIENT_KEY, remember_client
from portal.forms import LoginForm, PasswordResetForm, SetPasswordForm
from portal.throttles import password_reset_throttles
from tenants.selectors import memberships_of


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        # A new login starts without a remembered client: the user picks again if they have several.
        self.request.session.pop(SESSION_CLIENT_KEY, None)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django's rule): a link cannot log anyone out."""


# Password reset by e-mail: Django's own views and token (one use, PASSWORD_RESET_TIMEOUT), with our templates
# in the portal's "tú" Spanish. The page answers the same whether or not the address has an account.
class PasswordResetView(auth_views.PasswordResetView):
    template_name = "portal/password_reset/form.html"
    email_template_name = "portal/password_reset/email.txt"
    subject_template_name = "portal/password_reset/subject.txt"
    form_class = PasswordResetForm
    success_url = reverse_lazy("portal:password-reset-done")

    def get_extra_email_context(self) -> dict:
        # The link's address is ours (PUBLIC_BASE_URL), never the request's Host header.
        return {"base_url": settings.PUBLIC_BASE_URL}

    def dispatch(self, *args, **kwargs):
        self.extra_email_context = self.get_extra_email_context()
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form):
        # Throttled per address and per caller before anything is looked up, so a refusal is alike for every
        # address (portal/throttles.py); a 429 with the reason on the form, never Django's bare error page.
        refused = first_refusal(password_reset_throttles(form.cleaned_data["email"]), self.request, self)
        if refused is not None:
            minutes = max(1, math.ceil((refused.wait() or 60) / 60))
            form.add_error(
                None,
                ngettext(
                    "Too many requests for a new password. Try again in %(minutes)d minute.",
                    "Too many requests for a new password. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "portal/password_reset/done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "portal/password_reset/confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("portal:password-reset-complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "portal/password_reset/complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def choose_client(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(request.user)
    error = ""
    if request.method == "POST":
        wanted = request.POST.get("client_id", "")
        client_id = parse_id(wanted)
        if client_id and remember_client(request, client_id):
            return redirect("portal:home")
        error = "invalid"
    status = 400 if error else 200
    return render(request, "portal/choose_client.html", {"memberships": memberships, "error": error}, status=status)
