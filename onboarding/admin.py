"""Back-office onboarding: the operator registers a hosted number for a client and may type its code.

Onboarding extends the back office's client page (tenants/admin.py) with an action on one client and an extra
admin URL: it re-registers Client with a subclass, so tenants never imports the layer above it. The page calls
the same pipeline as `POST /api/register-client-number` and shows hosted capacity next to the form.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from onboarding import numbers, selectors, services
from onboarding.forms import HostedNumberForm, VerifyCodeForm
from onboarding.links import onboarding_url
from onboarding.meta_errors import OnboardingError, user_message
from tenants.admin import ClientAdmin
from tenants.models import Client

URL_NAME = "tenants_client_register_number"


@admin.action(description=_("Register a WhatsApp number for this client (hosted)"))
def register_number_action(model_admin, request: HttpRequest, queryset) -> HttpResponse | None:
    if queryset.count() != 1:
        model_admin.message_user(request, _("Choose exactly one client."), level=messages.WARNING)
        return None
    return redirect(reverse(f"admin:{URL_NAME}", args=[queryset.get().pk]))


@admin.action(description=_("Issue a new setup link (the old one stops working)"))
def new_setup_link_action(model_admin, request: HttpRequest, queryset) -> None:
    for client in queryset:
        url = onboarding_url(services.issue_setup_code(client=client))
        model_admin.message_user(request, _("Setup link for %(client)s: %(url)s") % {"client": client, "url": url})


def _run(request: HttpRequest, client: Client, form: forms.Form) -> bool:
    """Run the step the posted form asks for; Meta's refusals become form errors."""
    try:
        if isinstance(form, VerifyCodeForm):
            number = numbers.verify_hosted_number(client=client, code=form.cleaned_data["code"])
            messages.success(request, _("%(phone)s is active.") % {"phone": number.phone_number})
        else:
            number = numbers.add_hosted_number(client=client, by_operator=True, **form.cleaned_data)
            messages.success(
                request,
                _("Code sent to %(phone)s. The client types it on its onboarding page, or type it here.")
                % {"phone": number.phone_number},
            )
    except OnboardingError as exc:
        form.add_error(None, f"{exc.message} ({exc.code})")
        return False
    return True


def register_number_view(model_admin, request: HttpRequest, client_id: int) -> HttpResponse:
    client = get_object_or_404(Client, pk=client_id)
    add_form = HostedNumberForm(initial={"display_name": client.business_name})
    verify_form = VerifyCodeForm()
    if request.method == "POST":
        if "code" in request.POST:
            verify_form = VerifyCodeForm(request.POST)
            form = verify_form
        else:
            add_form = HostedNumberForm(request.POST)
            form = add_form
        if form.is_valid() and _run(request, client, form):
            return redirect(request.path)
    number = selectors.latest_number(client=client)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": _("Register a WhatsApp number for %(client)s") % {"client": client},
        "client": client,
        "capacity": selectors.hosted_capacity(),
        "number": number,
        "number_problem": (user_message(number.failure_code) or number.status_reason) if number else "",
        "awaiting_code": selectors.number_awaiting_code(client=client),
        "add_form": add_form,
        "verify_form": verify_form,
    }
    return TemplateResponse(request, "admin/tenants/client/register_number.html", context)


class OnboardingClientAdmin(ClientAdmin):
    actions = [*ClientAdmin.actions, register_number_action, new_setup_link_action]

    def get_urls(self):
        def view(request, client_id):
            return register_number_view(self, request, client_id)

        return [
            path("<int:client_id>/register-number/", self.admin_site.admin_view(view), name=URL_NAME),
            *super().get_urls(),
        ]


admin.site.unregister(Client)
admin.site.register(Client, OnboardingClientAdmin)
