"""Forms that billing's pages and the portal's usage page share."""

from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.months import parse_month


class MonthForm(forms.Form):
    """`?month=YYYY-MM` (empty: the current month), read by `billing.months.parse_month` like the API."""

    month = forms.CharField(label=_("Month"), required=False, max_length=7)

    def clean_month(self) -> date:
        parsed = parse_month(self.cleaned_data.get("month") or "")
        if parsed is None:
            raise forms.ValidationError(_("Use a month like 2026-11."))
        return parsed
