"""The portal's home: the client's numbers and this month's free messages, who needs a person, today."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.access import PortalContext, portal_view
from portal.account_alerts import alerts_shown
from portal.selectors import home_summary
from tenants.selectors import account_alerts_active


@portal_view
def home(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    alerts = alerts_shown(account_alerts_active(client=portal.client))
    context = {"summary": home_summary(client=portal.client, user=request.user), "alerts": alerts, "nav": "home"}
    return render(request, "portal/home.html", context)
