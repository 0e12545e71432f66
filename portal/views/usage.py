"""Usage per number: this month and earlier months (free used / allowance, AI vs agent, templates), a chart, CSV."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ai.selectors import preview_usage
from billing.forms import MonthForm
from billing.months import month_bounds, month_start, previous_month
from billing.selectors import usage_for_month
from portal.access import PortalContext, portal_view
from portal.charts import Series, daily_columns, stacked_bars
from portal.selectors import allowance_run_out, daily_messages, usage_csv, usage_months

MONTH_SERIES = [
    Series("ai_replies", _("AI replies"), "#128c7e"),
    Series("agent_replies", _("Agent replies"), "#3d6fc8"),
    Series("template_messages", _("Templates"), "#c8553d"),
]


DAILY_SERIES = [
    Series("received", _("Messages received"), "#8a9a96"),
    Series("ai", _("AI replies"), "#128c7e"),
    Series("agent", _("Agent replies"), "#3d6fc8"),
    Series("other", _("Other sends"), "#c8553d"),
]


def _month_totals(client, month) -> dict:
    rows = usage_for_month(client=client, month=month)
    totals = {s.key: sum(r[s.key] for r in rows) for s in MONTH_SERIES}
    return {"label": month.strftime("%Y-%m"), **totals}


def _previews(portal: PortalContext, *, since, until) -> dict:
    """How many assistant previews were tried; their estimated model cost is billing, shown to owners only."""
    previews = preview_usage(client=portal.client, since=since, until=until)
    if not portal.is_owner:  # agents see the inbox and the counts, never money (as for API keys and billing)
        previews.pop("estimated_cost")
    return previews


@require_GET
@portal_view
def usage(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = MonthForm(request.GET or None)
    month = form.cleaned_data["month"] if form.is_valid() else month_start()
    months = usage_months(client=portal.client)
    since, until = month_bounds(month)
    chart = stacked_bars([_month_totals(portal.client, m) for m in reversed(months)], series=MONTH_SERIES)
    is_current = month == month_start()
    daily = daily_messages(client=portal.client)
    rows = [
        {
            **row,
            "daily": daily_columns(daily.get(row["number_id"], []), series=DAILY_SERIES),
            "runs_out": allowance_run_out(row) if is_current else None,
        }
        for row in usage_for_month(client=portal.client, month=month)
    ]
    context = {
        "form": form,
        "month": month,
        "is_current": is_current,
        "previous": previous_month(month),
        "months": months,
        "rows": rows,
        "previews": _previews(portal, since=since, until=until),
        "chart": chart,
        "nav": "usage",
    }
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "portal/usage.html", context, status=status)


@require_GET
@portal_view
def usage_csv_download(request: HttpRequest, portal: PortalContext) -> HttpResponse:
    form = MonthForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(form.errors["month"][0], status=400, content_type="text/plain; charset=utf-8")
    month = form.cleaned_data["month"] if form.is_bound else month_start()
    response = HttpResponse(usage_csv(client=portal.client, month=month), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{month:%Y-%m}.csv"'
    return response
