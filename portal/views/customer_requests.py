"""Requests ("Solicitudes"): the bookings, orders and call backs customers asked the assistant for, filtered
by status and day, and moved along (confirmed, done, cancelled) by the client's people."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import ApplicationError
from portal.access import PortalContext, portal_view
from portal.forms import RequestFilterForm, RequestStatusForm
from portal.views.common import found
from whatsapp import selectors
from whatsapp.models import CustomerRequest
from whatsapp.services.customer_requests import TRANSITIONS, request_set_status

PAGE_SIZE = 30


@require_GET
@portal_view
def requests_list(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = RequestFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = selectors.customer_request_list(
        client=portal.client,
        status=filters.get("status") or None,
        created_from=filters.get("created_from"),
        created_to=filters.get("created_to"),
        conversation_id=filters.get("conversation"),
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for item in page:
        item.next_statuses = sorted(TRANSITIONS[item.status], key=list(TRANSITIONS).index)
    counts = selectors.customer_request_counts(client=portal.client)
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    context = {
        "form": form,
        "page": page,
        "status_counts": [(value, label, counts[value]) for value, label in CustomerRequest.Status.choices],
        "back": urlencode(query),
    }
    return render(request, "portal/requests.html", context, status=400 if form.errors else 200)


@require_POST
@portal_view
def request_status(request: HttpRequest, portal: PortalContext, request_id: int) -> HttpResponse:
    customer_request = found(selectors.customer_request_get, client=portal.client, request_id=request_id)
    form = RequestStatusForm(request.POST)
    back = reverse("portal:requests")
    if not form.is_valid():
        messages.error(request, _("Choose one of the statuses offered."))
        return redirect(back)
    if query := _list_query(form.cleaned_data["back"]):
        back = f"{back}?{query}"
    try:
        request_set_status(request=customer_request, status=form.cleaned_data["status"], user=request.user)
    except ApplicationError:
        messages.error(request, _("This request cannot change to that status any more."))
        return redirect(back)
    done = _("Request #%(id)s is now: %(status)s")
    messages.success(request, done % {"id": customer_request.pk, "status": customer_request.get_status_display()})
    return redirect(back)


def _list_query(query: str) -> str:
    """The list's own filters out of a posted query string: only its fields, so the redirect stays on the list."""
    allowed = {*RequestFilterForm.base_fields, "page"}
    return urlencode([(k, v) for k, v in parse_qsl(query) if k in allowed])
