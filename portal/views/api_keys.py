"""API keys for integrators (owners only): create (the secret is shown once), list, revoke."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.access import PortalContext, portal_view
from portal.forms import ApiKeyForm
from portal.selectors import api_key_get, api_key_list
from portal.views.common import found
from tenants.authentication import create_api_key
from tenants.services import api_key_revoke


@require_http_methods(["GET", "POST"])
@portal_view(owner_only=True)
def api_keys(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    new_secret = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Rendered, not redirected: the plain key exists only in this response and is never stored.
            _key, new_secret = create_api_key(client=portal.client, name=form.cleaned_data["name"].strip())
            form = ApiKeyForm()
        else:
            status = 400
    context = {"form": form, "keys": api_key_list(client=portal.client), "new_secret": new_secret, "nav": "api_keys"}
    response = render(request, "portal/api_keys.html", context, status=status)
    if new_secret:
        response["Cache-Control"] = "no-store"
    return response


@require_POST
@portal_view(owner_only=True)
def api_key_revoke_view(request: HttpRequest, portal: PortalContext, key_id: int) -> HttpResponse:
    key = found(api_key_get, client=portal.client, key_id=key_id)
    api_key_revoke(key=key)
    messages.success(request, _("API key revoked. Calls with it are refused from now on."))
    return redirect("portal:api-keys")
