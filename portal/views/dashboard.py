"""The operator's master dashboard (staff only): every client's metrics, totals, a chart, hosted capacity."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from portal.account_alerts import alerts_shown
from portal.charts import Series, daily_columns, stacked_bars
from portal.reports import dashboard_metrics
from portal.selectors import operator_daily_messages, operator_month_usage
from portal.views.usage import DAILY_SERIES
from tenants.access import operator_required
from tenants.models import Client
from tenants.selectors import abandoned_signup_ids, account_alerts_for_operator, hosted_capacity

CLIENT_SERIES = [
    Series("ai", _("AI replies"), "#128c7e"),
    Series("agent", _("Agent replies"), "#3d6fc8"),
    Series("templates", _("Templates"), "#c8553d"),
]


SHOW_CHOICES = ("", "all")  # "": abandoned sign-ups hidden; "all": every client
SUMMED = ("conversations_today", "free_messages_remaining", "ai_responses_sent")


@require_GET
@operator_required
def dashboard(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "")
    if show not in SHOW_CHOICES:
        return render(request, "400.html", {"message": _("Unknown filter.")}, status=400)
    metrics = dashboard_metrics()
    abandoned = abandoned_signup_ids()
    visible = [row for row in metrics["results"] if show == "all" or row["client_id"] not in abandoned]
    usage = operator_month_usage()
    rows = [{"label": row["client_name"], **usage.get(row["client_id"], {})} for row in visible]
    statuses = dict(Client.Status.choices)
    clients = [
        {**row, "status_label": statuses.get(row["status"], row["status"]), "abandoned": row["client_id"] in abandoned}
        for row in visible
    ]
    # The page's totals are those of the rows it shows; the API (GET /api/dashboard/metrics) keeps every client.
    totals = {
        **metrics["totals"],
        "clients": len(visible),
        **{key: sum(r[key] for r in visible) for key in SUMMED},
    }
    daily = operator_daily_messages(client_ids=[row["client_id"] for row in visible])
    daily_charts = [
        {
            "name": row["client_name"],
            "client_id": row["client_id"],
            "chart": daily_columns(daily[row["client_id"]], series=DAILY_SERIES),
        }
        for row in visible
    ]
    context = {
        "daily_charts": daily_charts,
        "metrics": {**metrics, "totals": totals},
        "clients": clients,
        "show": show,
        "abandoned_count": len(abandoned),
        "chart": stacked_bars(rows, series=CLIENT_SERIES),
        "capacity": hosted_capacity(),
        "alerts": alerts_shown(account_alerts_for_operator()),
    }
    return render(request, "portal/dashboard.html", context)
