"""Customers' personal data (Ley 1581 de 2012), owners only: a contact's page with its export and erasure, and
the client's retention of message texts and media. Everything is done by `privacy.services` and
`tenants.services`; another client's contact is a 404."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.access import PortalContext, portal_view
from portal.forms import ContactEraseForm, RetentionForm
from portal.views.common import found
from privacy.services import contact_erase, contact_export
from tenants.services import client_set_message_retention
from whatsapp.selectors import contact_conversations, contact_get


def _contact_page(request, portal: PortalContext, contact, form: ContactEraseForm, *, status: int = 200):
    context = {
        "contact": contact,
        "conversations": contact_conversations(client=portal.client, contact=contact),
        "form": form,
        "nav": "inbox",
    }
    return render(request, "portal/contact.html", context, status=status)


@require_GET
@portal_view(owner_only=True)
def contact(request: HttpRequest, portal: PortalContext, contact_id: int) -> HttpResponse:
    person = found(contact_get, client=portal.client, contact_id=contact_id)
    return _contact_page(request, portal, person, ContactEraseForm())


@require_GET
@portal_view(owner_only=True)
def contact_export_download(request: HttpRequest, portal: PortalContext, contact_id: int) -> HttpResponse:
    data = found(contact_export, client=portal.client, contact_id=contact_id)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@portal_view(owner_only=True)
def contact_erase_view(request: HttpRequest, portal: PortalContext, contact_id: int) -> HttpResponse:
    person = found(contact_get, client=portal.client, contact_id=contact_id)
    form = ContactEraseForm(request.POST)
    if not form.is_valid():
        return _contact_page(request, portal, person, form, status=400)
    contact_erase(client=portal.client, contact_id=person.pk, reason=form.cleaned_data["reason"])
    messages.success(request, _("The customer's personal data was erased. Usage counts are kept."))
    return redirect("portal:contact", contact_id=person.pk)


@require_http_methods(["GET", "POST"])
@portal_view(owner_only=True)
def privacy_settings(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = RetentionForm(request.POST or None, initial={"days": portal.client.message_retention_days})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            client_set_message_retention(client=portal.client, days=form.cleaned_data["days"])
            messages.success(request, _("Retention saved."))
            return redirect("portal:privacy")
        status = 400
    return render(request, "portal/privacy.html", {"form": form, "nav": "privacy"}, status=status)
