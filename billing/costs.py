"""The Meta cost view: what each client's counted messages cost per month, by category.

Each counted message (the `CountedMessage` ledger) is priced with the `PriceRule` for its category and
recipient country that was in force on the day it was sent, if Meta's pricing block says it is
billable; the operator's markup comes on top. Messages whose status has not told us yet are shown as
awaiting pricing, not guessed.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.db.models.functions import Coalesce, TruncDate

from billing.models import BillingSettings, Category, CountedMessage, PriceRule
from billing.months import billing_tz
from billing.selectors import usage_for_month
from billing.services import template_category
from core.csvsafe import csv_row
from tenants.models import Client

CENT = Decimal("0.0001")
FREE_TYPES = {"free_customer_service", "free_entry_point"}


@dataclass
class CostLine:
    client_id: int
    client_name: str
    phone_number: str
    category: str
    country_code: str
    messages: int = 0
    meta_free: int = 0
    billable: int = 0
    awaiting_pricing: int = 0
    unpriced: int = 0
    meta_cost: Decimal = Decimal(0)
    unit_prices: set[Decimal] = field(default_factory=set)
    amount_usd: Decimal = Decimal(0)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)

    def apply_markup(self, markup_percent: Decimal) -> None:
        self.amount_usd = (self.meta_cost * (1 + markup_percent / 100)).quantize(CENT)


@dataclass
class CostReport:
    month: date
    markup_percent: Decimal
    lines: list[CostLine]

    def by_client(self) -> list[dict]:
        """Per client: amount with markup per category and in total, for the chart and the table."""
        clients: dict[int, dict] = {}
        for line in self.lines:
            row = clients.setdefault(
                line.client_id,
                {"client_id": line.client_id, "client_name": line.client_name, "categories": defaultdict(Decimal)},
            )
            row["categories"][line.category] += line.amount_usd
        for row in clients.values():
            row["categories"] = dict(row["categories"])
            row["total"] = sum(row["categories"].values(), Decimal(0))
        return sorted(clients.values(), key=lambda r: (-r["total"], r["client_name"]))

    @property
    def total(self) -> Decimal:
        return sum((line.amount_usd for line in self.lines), Decimal(0))


class PriceTable:
    """Every rule loaded once; the most specific country wins, then the latest start date."""

    def __init__(self) -> None:
        self.rules: dict[str, list[PriceRule]] = defaultdict(list)
        for rule in PriceRule.objects.order_by("-effective_from"):
            self.rules[rule.category].append(rule)

    def price(self, *, category: str, country_code: str, day: date) -> Decimal | None:
        in_force = [
            r
            for r in self.rules.get(category, [])
            if r.effective_from <= day and (r.effective_to is None or day <= r.effective_to)
        ]
        for wanted in (country_code, "*"):
            for rule in in_force:
                if rule.country_code == wanted:
                    return rule.price_usd
        return None


def _billing_state(pricing_type: str, billable: bool | None) -> str:
    if pricing_type in FREE_TYPES:
        return "free"
    if pricing_type == "regular" or (not pricing_type and billable is True):
        return "billable"
    if not pricing_type and billable is False:
        return "free"
    return "awaiting"


def cost_report(*, month: date, client: Client | None = None) -> CostReport:
    """Cost lines per (client, number, category, country) for a month; one client or all (operator)."""
    ledger = CountedMessage.objects.filter(period__month=month)
    if client is not None:
        ledger = ledger.for_client(client)
    tz = billing_tz()
    grouped = (
        ledger.annotate(day=TruncDate(Coalesce("sent_at", "counted_at"), tzinfo=tz))
        .values(
            "client_id",
            "client__business_name",
            "period__number__phone_number",
            "category",
            "pricing_category",
            "country_code",
            "day",
            "pricing_type",
            "billable",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    prices = PriceTable()
    lines: dict[tuple, CostLine] = {}
    for row in grouped:
        category = row["category"]
        if category == Category.UNCATEGORIZED:
            # Meta told us the category after the count and the settle sweep has not run yet.
            category = template_category(row["pricing_category"] or "")
        key = (row["client_id"], row["period__number__phone_number"], category, row["country_code"])
        line = lines.get(key) or lines.setdefault(
            key, CostLine(row["client_id"], row["client__business_name"], *key[1:])
        )
        n = row["n"]
        line.messages += n
        state = _billing_state(row["pricing_type"] or "", row["billable"])
        if state == "free":
            line.meta_free += n
            continue
        if state == "awaiting":
            line.awaiting_pricing += n
            continue
        line.billable += n
        price = prices.price(category=category, country_code=row["country_code"], day=row["day"])
        if price is None:
            line.unpriced += n
            continue
        line.unit_prices.add(price)
        line.meta_cost += price * n
    markup = BillingSettings.objects.filter(pk=1).values_list("markup_percent", flat=True).first() or Decimal(0)
    ordered = sorted(lines.values(), key=lambda x: (x.client_name, x.phone_number, x.category, x.country_code))
    for line in ordered:
        line.apply_markup(markup)
    return CostReport(month=month, markup_percent=markup, lines=ordered)


CSV_HEADER = [
    "section",
    "month",
    "client_id",
    "client",
    "phone_number",
    "category",
    "country_code",
    "messages",
    "allowance",
    "free_used",
    "overage",
    "ai_replies",
    "agent_replies",
    "meta_free",
    "billable",
    "awaiting_pricing",
    "unpriced",
    "unit_price_usd",
    "meta_cost_usd",
    "markup_percent",
    "amount_usd",
]


class SafeDictWriter(csv.DictWriter):
    """Every row's text cells are neutralised (core.csvsafe): business names are the client's choice."""

    def writerow(self, rowdict):
        return super().writerow(csv_row(rowdict))


def cost_csv(*, client: Client, month: date) -> str:
    """One client's month for invoicing: a usage row per number, a cost row per category and country, a total."""
    report = cost_report(month=month, client=client)
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=CSV_HEADER, extrasaction="raise")
    writer.writeheader()
    base = {"month": month.strftime("%Y-%m"), "client_id": client.pk, "client": client.business_name}
    for row in usage_for_month(client=client, month=month):
        usage = base | {"section": "usage", "phone_number": row["phone_number"]}
        writer.writerow(
            usage
            | {
                "category": Category.SERVICE,
                "messages": row["service_messages"],
                "allowance": row["allowance"],
                "free_used": row["free_messages_used"],
                "overage": row["overage"],
                "ai_replies": row["ai_replies"],
                "agent_replies": row["agent_replies"],
            }
        )
        for category, count in row["templates"].items():
            if count:
                writer.writerow(usage | {"category": category, "messages": count})
    markup = report.markup_percent
    for line in report.lines:
        unit = next(iter(line.unit_prices)) if len(line.unit_prices) == 1 else ""
        writer.writerow(
            base
            | {
                "section": "cost",
                "phone_number": line.phone_number,
                "category": line.category,
                "country_code": line.country_code,
                "messages": line.messages,
                "meta_free": line.meta_free,
                "billable": line.billable,
                "awaiting_pricing": line.awaiting_pricing,
                "unpriced": line.unpriced,
                "unit_price_usd": unit,
                "meta_cost_usd": line.meta_cost.quantize(CENT),
                "markup_percent": markup,
                "amount_usd": line.amount_usd,
            }
        )
    writer.writerow(
        base
        | {
            "section": "total",
            "messages": sum(x.messages for x in report.lines),
            "meta_free": sum(x.meta_free for x in report.lines),
            "billable": sum(x.billable for x in report.lines),
            "awaiting_pricing": sum(x.awaiting_pricing for x in report.lines),
            "unpriced": sum(x.unpriced for x in report.lines),
            "meta_cost_usd": sum((x.meta_cost for x in report.lines), Decimal(0)).quantize(CENT),
            "markup_percent": markup,
            "amount_usd": report.total,
        }
    )
    return out.getvalue()
