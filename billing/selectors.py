"""Reads of usage: what a number has left, whether the AI may answer, and the stats the APIs show.

Months are calendar months in TIME_ZONE. For the current month the allowance is resolved live from
the number's settings (an operator's change applies at once); past months keep their snapshot.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Q, Subquery

from billing.models import UsageAlert, UsagePeriod
from billing.months import month_start
from billing.services import OPEN_STATUSES
from tenants.models import Client, WhatsAppNumber


def _allowance(number: WhatsAppNumber, month: date, period: UsagePeriod | None) -> int:
    if period is not None and month != month_start():
        return period.allowance
    return number.monthly_allowance


def service_messages_used(number_ref: str, *, month: date | None = None) -> Subquery:
    """This month's (or `month`'s) service messages of the number `number_ref` names (an OuterRef path): for
    a caller that reads them in its own query (the reply task loads its message, number and usage in one)."""
    this_month = UsagePeriod.objects.filter(number_id=OuterRef(number_ref), month=month or month_start())
    return Subquery(this_month.values("service_messages")[:1])


def free_messages_remaining(*, number: WhatsAppNumber, used: int | None = None) -> int:
    """What is left of the month's allowance; `used`: the caller read it already (service_messages_used)."""
    if used is None:
        period = UsagePeriod.objects.filter(number=number, month=month_start()).first()
        used = period.service_messages if period else 0
    return max(number.monthly_allowance - used, 0)


def ai_may_reply(*, number: WhatsAppNumber, used: int | None = None) -> bool:
    """Under `pause_ai` the AI stops at the allowance; `allow_overage` keeps answering."""
    if number.client.quota_policy == Client.QuotaPolicy.ALLOW_OVERAGE:
        return True
    return free_messages_remaining(number=number, used=used) > 0


def primary_number(*, client: Client) -> WhatsAppNumber | None:
    """The first active number (by creation), else the first number at all."""
    numbers = WhatsAppNumber.objects.for_client(client).select_related("client").order_by("id")
    return numbers.filter(status=WhatsAppNumber.Status.ACTIVE).first() or numbers.first()


def usage_row(*, number: WhatsAppNumber, month: date, period: UsagePeriod | None, alerts: list[int]) -> dict[str, Any]:
    allowance = _allowance(number, month, period)
    used = period.service_messages if period else 0

    def counter(name: str) -> int:
        return getattr(period, name) if period else 0

    paused = month == month_start() and number.client.quota_policy == Client.QuotaPolicy.PAUSE_AI and used >= allowance
    return {
        "number_id": number.pk,
        "phone_number": number.phone_number,
        "phone_number_id": number.phone_number_id,
        "month": month.strftime("%Y-%m"),
        "allowance": allowance,
        "service_messages": used,
        "free_messages_used": min(used, allowance),
        "free_messages_remaining": max(allowance - used, 0),
        "overage": max(used - allowance, 0),
        "percent_used": round(100 * used / allowance) if allowance else (100 if used else 0),
        "ai_replies": counter("ai_replies"),
        "agent_replies": counter("agent_replies"),
        "template_messages": counter("template_messages"),
        "templates": {
            "marketing": counter("template_marketing"),
            "utility": counter("template_utility"),
            "authentication": counter("template_authentication"),
            "uncategorized": counter("template_uncategorized"),
        },
        "inbound_messages": counter("inbound_messages"),
        "quota_policy": number.client.quota_policy,
        "ai_paused": paused,
        "alerts": sorted(alerts),
    }


def usage_for_month(*, client: Client, month: date) -> list[dict[str, Any]]:
    """One row per number that had a period that month or is connected now."""
    periods = {p.number_id: p for p in UsagePeriod.objects.for_client(client).filter(month=month)}
    numbers = (
        WhatsAppNumber.objects.for_client(client)
        .filter(Q(pk__in=periods.keys()) | Q(status__in=OPEN_STATUSES))
        .select_related("client")
        .order_by("id")
    )
    alerts: dict[int, list[int]] = {}
    for number_id, threshold in (
        UsageAlert.objects.for_client(client).filter(month=month).values_list("number_id", "threshold")
    ):
        alerts.setdefault(number_id, []).append(threshold)
    return [usage_row(number=n, month=month, period=periods.get(n.pk), alerts=alerts.get(n.pk, [])) for n in numbers]


def client_default_allowance(client: Client) -> int:
    """What a new number of this client would get (used when it has none yet)."""
    if client.monthly_free_messages is not None:
        return client.monthly_free_messages
    return settings.DEFAULT_MONTHLY_FREE_MESSAGES
