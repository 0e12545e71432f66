"""The portal's home: the client's numbers and this month's free messages, who needs a person, today."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.access import PortalContext, portal_view
from portal.selectors import home_summary


@portal_view
def home(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    context = {"summary": home_summary(client=portal.client, user=request.user), "nav": "home"}
    return render(request, "portal/home.html", context)
