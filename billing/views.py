"""Operator pages: the Meta cost view with its chart, the markup form, and the CSV for invoicing."""

from __future__ import annotations

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from billing.charts import stacked_bars
from billing.costs import cost_csv, cost_report
from billing.forms import MonthForm
from billing.models import BillingSettings
from billing.months import month_start, next_month, previous_month
from core.exceptions import json_error
from tenants.access import operator_required
from tenants.models import Client


class MarkupForm(forms.ModelForm):
    class Meta:
        model = BillingSettings
        fields = ["markup_percent"]


@require_http_methods(["GET", "POST"])
@operator_required
def cost_view(request):
    month_form = MonthForm(request.GET or None)
    status = 200
    month = month_start()
    if month_form.is_bound:
        if month_form.is_valid():
            month = month_form.cleaned_data["month"]
        else:
            status = 400
    # Unsaved until the operator sets a markup: reading the page writes nothing.
    settings_row = BillingSettings.objects.filter(pk=1).first() or BillingSettings()
    markup_form = MarkupForm(request.POST or None, instance=settings_row)
    if request.method == "POST":
        if markup_form.is_valid():
            markup_form.save()
            return redirect(f"{request.path}?month={month:%Y-%m}")
        status = 400
    report = cost_report(month=month)
    clients = report.by_client()
    counts = _message_counts(report)
    context = {
        "month": month,
        "previous_month": previous_month(month),
        "next_month": next_month(month),
        "month_form": month_form,
        "markup_form": markup_form,
        "report": report,
        "clients": clients,
        "chart": stacked_bars(clients),
        "count_chart": stacked_bars(counts),
        "lines": report.lines,
        # Billable messages without a price rule add 0 USD: the page says so beside the total.
        "unpriced_total": sum(line.unpriced for line in report.lines),
    }
    return render(request, "billing/costs.html", context, status=status)


def _message_counts(report) -> list[dict]:
    clients: dict[int, dict] = {}
    for line in report.lines:
        row = clients.setdefault(
            line.client_id, {"client_id": line.client_id, "client_name": line.client_name, "categories": {}}
        )
        row["categories"][line.category] = row["categories"].get(line.category, 0) + line.messages
    return sorted(clients.values(), key=lambda r: r["client_name"])


@require_GET
@operator_required
def cost_csv_view(request, client_id: int, month: str):
    form = MonthForm({"month": month})
    if not form.is_valid():
        return json_error("invalid_month", "month must look like YYYY-MM.", 400)
    client = get_object_or_404(Client, pk=client_id)
    month_date = form.cleaned_data["month"]
    response = HttpResponse(cost_csv(client=client, month=month_date), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="costs-{client.pk}-{month_date:%Y-%m}.csv"'
    return response
