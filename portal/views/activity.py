"""The client's audit trail for its owners (read-only): who changed what, and who logged in."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.selectors import audit_entries_for_client
from portal.access import PortalContext, portal_view
from tenants.selectors import member_user_ids

PAGE_SIZE = 50


@portal_view(owner_only=True)
def activity(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    entries = audit_entries_for_client(client=portal.client, member_user_ids=member_user_ids(client=portal.client))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/activity.html", {"page": page, "nav": "activity"})
