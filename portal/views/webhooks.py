"""Outgoing webhooks (owners only): add endpoints (the signing secret is shown once), change them, see every
delivery with its status, response code and latency, and redeliver one. Writes go through
`integrations.services`, reads through `integrations.selectors`, so another client's ids are a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import ApplicationError
from integrations import selectors, services
from integrations.signing import SIGNATURE_HEADER
from portal.access import PortalContext, portal_view
from portal.forms import WebhookEndpointForm
from portal.views.common import found

PAGE_SIZE = 25


def _no_store(response: HttpResponse, secret: str) -> HttpResponse:
    if secret:
        response["Cache-Control"] = "no-store"  # the secret exists only in this response
    return response


@require_http_methods(["GET", "POST"])
@portal_view(owner_only=True)
def webhooks(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None, initial={"is_enabled": True})
    new_secret, created, status = "", None, 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, new_secret = services.endpoint_create(client=portal.client, **form.cleaned_data)
                form = WebhookEndpointForm(initial={"is_enabled": True})
            except ApplicationError as refusal:
                form.add_error("url" if "url" in (refusal.details or {}) else None, refusal.message)
        if not new_secret:
            status = 400
    context = {
        "form": form,
        "endpoints": selectors.endpoint_list(client=portal.client),
        "new_secret": new_secret,
        "created": created,
        "signature_header": SIGNATURE_HEADER,
        "nav": "webhooks",
    }
    return _no_store(render(request, "portal/webhooks.html", context, status=status), new_secret)


def _detail(request, portal, endpoint, *, form=None, new_secret: str = "", status: int = 200) -> HttpResponse:
    if form is None:
        form = WebhookEndpointForm(
            initial={
                "url": endpoint.url,
                "description": endpoint.description,
                "events": endpoint.events,
                "is_enabled": endpoint.is_enabled,
            }
        )
    deliveries = selectors.delivery_list(client=portal.client, endpoint=endpoint).prefetch_related("attempt_rows")
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "form": form,
        "page": page,
        "new_secret": new_secret,
        "signature_header": SIGNATURE_HEADER,
        "retry_window": services.retry_window_text(),
        "nav": "webhooks",
    }
    return _no_store(render(request, "portal/webhook.html", context, status=status), new_secret)


@require_http_methods(["GET", "POST"])
@portal_view(owner_only=True)
def webhook(request: HttpRequest, portal: PortalContext, endpoint_id: int) -> HttpResponse:
    endpoint = found(selectors.endpoint_get, client=portal.client, endpoint_id=endpoint_id)
    if request.method == "GET":
        return _detail(request, portal, endpoint)
    form = WebhookEndpointForm(request.POST)
    if form.is_valid():
        try:
            services.endpoint_update(endpoint=endpoint, data=form.cleaned_data)
        except ApplicationError as refusal:
            form.add_error("url" if "url" in (refusal.details or {}) else None, refusal.message)
        else:
            messages.success(request, _("Webhook endpoint saved."))
            return redirect("portal:webhook", endpoint.pk)
    endpoint.refresh_from_db()
    return _detail(request, portal, endpoint, form=form, status=400)


@require_POST
@portal_view(owner_only=True)
def rotate_secret(request: HttpRequest, portal: PortalContext, endpoint_id: int) -> HttpResponse:
    endpoint = found(selectors.endpoint_get, client=portal.client, endpoint_id=endpoint_id)
    secret = services.endpoint_rotate_secret(endpoint=endpoint)
    return _detail(request, portal, endpoint, new_secret=secret)


@require_POST
@portal_view(owner_only=True)
def delete(request: HttpRequest, portal: PortalContext, endpoint_id: int) -> HttpResponse:
    endpoint = found(selectors.endpoint_get, client=portal.client, endpoint_id=endpoint_id)
    services.endpoint_delete(endpoint=endpoint)
    messages.success(request, _("Webhook endpoint deleted. No more events go to it."))
    return redirect("portal:webhooks")


@require_POST
@portal_view(owner_only=True)
def redeliver(request: HttpRequest, portal: PortalContext, endpoint_id: int, delivery_id: int) -> HttpResponse:
    endpoint = found(selectors.endpoint_get, client=portal.client, endpoint_id=endpoint_id)
    delivery = found(selectors.delivery_get, client=portal.client, endpoint=endpoint, delivery_id=delivery_id)
    try:
        services.delivery_redeliver(delivery=delivery)
    except ApplicationError:
        messages.error(request, _("Enable the endpoint before redelivering to it."))
    else:
        messages.success(request, _("The event is being sent again."))
    return redirect("portal:webhook", endpoint.pk)
