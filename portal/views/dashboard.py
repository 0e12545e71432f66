"""The operator's master dashboard (staff only): every client's metrics, totals, a chart, hosted capacity."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal.charts import Series, stacked_bars
from portal.reports import dashboard_metrics
from portal.selectors import operator_month_usage
from tenants.access import operator_required
from tenants.models import Client
from tenants.selectors import hosted_capacity

CLIENT_SERIES = [
    Series("ai", _("AI replies"), "#128c7e"),
    Series("agent", _("Agent replies"), "#3d6fc8"),
    Series("templates", _("Templates"), "#c8553d"),
]


@require_GET
@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    metrics = dashboard_metrics()
    usage = operator_month_usage()
    rows = [{"label": row["client_name"], **usage.get(row["client_id"], {})} for row in metrics["results"]]
    statuses = dict(Client.Status.choices)
    clients = [{**row, "status_label": statuses.get(row["status"], row["status"])} for row in metrics["results"]]
    context = {
        "metrics": metrics,
        "clients": clients,
        "chart": stacked_bars(rows, series=CLIENT_SERIES),
        "capacity": hosted_capacity(),
    }
    return render(request, "portal/dashboard.html", context)
