"""The reports the portal and the operator's dashboard show, built from the selectors of the layers below.

`client_stats` answers GET /api/client/<id>/stats, `dashboard_metrics` GET /api/dashboard/metrics (operator
only, so it reads across tenants on purpose). Metric meanings are in docs/portal.md.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce

from ai.budget import Budget, Spend, client_budget, operator_budget, spend_by_client
from billing.models import UsagePeriod
from billing.months import day_bounds, local_today, month_bounds, month_start
from billing.selectors import client_default_allowance, primary_number, usage_for_month
from tenants.models import Client, WhatsAppNumber
from whatsapp.models import Conversation, CustomerRequest, Message

ACCEPTED = (Message.Status.SENT, Message.Status.DELIVERED, Message.Status.READ)


def _in(bounds: tuple[datetime, datetime], field: str = "created_at") -> Q:
    return Q(**{f"{field}__gte": bounds[0], f"{field}__lt": bounds[1]})


def client_stats(*, client: Client) -> dict[str, Any]:
    """GET /api/client/<id>/stats: the current month for one client."""
    month = month_start()
    bounds = month_bounds(month)
    rows = usage_for_month(client=client, month=month)
    primary = primary_number(client=client)
    primary_row = next((r for r in rows if primary and r["number_id"] == primary.pk), None)
    messages = Message.objects.for_client(client).filter(_in(bounds))
    return {
        "client_id": client.pk,
        "client_name": client.business_name,
        "month": month.strftime("%Y-%m"),
        "phone_number": primary.phone_number if primary else None,
        "free_messages_remaining": primary_row["free_messages_remaining"]
        if primary_row
        else client_default_allowance(client),
        "monthly_messages_used": sum(r["service_messages"] for r in rows),
        "total_conversations": messages.values("conversation_id").distinct().count(),
        "total_messages": messages.count(),
        "ai_paused": bool(primary_row and primary_row["ai_paused"]),
        "numbers": rows,
    }


def _per_client(queryset) -> dict[int, int]:
    return dict(queryset.values("client_id").annotate(n=Count("id")).values_list("client_id", "n"))


def _conversations_today_by_client() -> dict[int, int]:
    today = Message.objects.filter(_in(day_bounds()))
    return _per_client(Conversation.objects.filter(pk__in=today.values("conversation_id")))


def _ai_replies_by_client(month: date) -> dict[int, int]:
    """Outbound AI messages Meta accepted, in the month they were sent."""
    sent = Message.objects.annotate(at=Coalesce("sent_at", "created_at")).filter(
        _in(month_bounds(month), "at"),
        direction=Message.Direction.OUTBOUND,
        sent_by=Message.SentBy.AI,
        status__in=ACCEPTED,
    )
    return _per_client(sent)


def _conversions_by_client(month: date) -> dict[int, tuple[int, int]]:
    """(conversations with a message this month, of which converted) per client. A conversation where the
    customer made a request (a booking, an order, a call back) is converted, whatever its mark says."""
    active = Conversation.objects.filter(
        pk__in=Message.objects.filter(_in(month_bounds(month))).values("conversation_id")
    ).annotate(requested=Exists(CustomerRequest.objects.filter(conversation_id=OuterRef("pk"))))
    rows = active.values("client_id").annotate(
        total=Count("id"), converted=Count("id", filter=Q(converted_at__isnull=False) | Q(requested=True))
    )
    return {row["client_id"]: (row["total"], row["converted"]) for row in rows}


def _requests_by_client(month: date) -> dict[int, int]:
    """Requests customers made this month (bookings, orders, call backs), cancelled ones left out."""
    made = CustomerRequest.objects.filter(_in(month_bounds(month))).exclude(status=CustomerRequest.Status.CANCELLED)
    return _per_client(made)


def _primary_numbers() -> dict[int, WhatsAppNumber]:
    """Per client the first active number, else its first number (as primary_number, for all at once)."""
    numbers: dict[int, WhatsAppNumber] = {}
    for number in WhatsAppNumber.objects.select_related("client").order_by("id"):
        current = numbers.get(number.client_id)
        if current is None or (number.is_active and not current.is_active):
            numbers[number.client_id] = number
    return numbers


def _rate(converted: int, total: int) -> float:
    return round(converted / total, 4) if total else 0.0


def _budget_fields(budget: Budget) -> dict[str, Any]:
    return {
        "tokens": budget.token_limit,
        "cost_usd": float(budget.cost_limit) if budget.cost_limit is not None else None,
        "percent_used": budget.percent_used,
        "exceeded": budget.exceeded,
        "policy": budget.policy,
    }


def _ai_use(client: Client, spend: dict | None) -> dict[str, Any]:
    """The paid model's use by a client this month and where it stands against its budget."""
    spent = Spend(**spend) if spend else Spend()
    budget = client_budget(client=client, spend=spent)
    return {
        "ai_model": client.ai_model or settings.OPENAI_MODEL,
        "ai_tokens": spent.tokens,
        "ai_cost_usd": round(float(spent.cost), 6),
        "ai_budget": _budget_fields(budget),
    }


def dashboard_metrics() -> dict[str, Any]:
    """GET /api/dashboard/metrics (operator only, so it reads across tenants on purpose)."""
    month = month_start()
    today, ai_sent, conversions = (
        _conversations_today_by_client(),
        _ai_replies_by_client(month),
        _conversions_by_client(month),
    )
    used = dict(UsagePeriod.objects.filter(month=month).values_list("number_id", "service_messages"))
    requests_made = _requests_by_client(month)
    numbers = _primary_numbers()
    ai_spend = spend_by_client(since=month_bounds(month)[0])
    results = []
    for client in Client.objects.order_by("id"):
        number = numbers.get(client.pk)
        total, converted = conversions.get(client.pk, (0, 0))
        if number is None:
            remaining = client_default_allowance(client)
        else:
            remaining = max(number.monthly_allowance - used.get(number.pk, 0), 0)
        results.append(
            {
                "client_id": client.pk,
                "client_name": client.business_name,
                "phone_number": number.phone_number if number else None,
                "conversations_today": today.get(client.pk, 0),
                "free_messages_remaining": remaining,
                "ai_responses_sent": ai_sent.get(client.pk, 0),
                "conversion_rate": _rate(converted, total),
                "requests": requests_made.get(client.pk, 0),
                "status": client.status,
                **_ai_use(client, ai_spend.get(client.pk)),
            }
        )
    totals = {
        "clients": len(results),
        "conversations_today": sum(r["conversations_today"] for r in results),
        "free_messages_remaining": sum(r["free_messages_remaining"] for r in results),
        "ai_responses_sent": sum(r["ai_responses_sent"] for r in results),
        "conversion_rate": _rate(sum(c for _, c in conversions.values()), sum(t for t, _ in conversions.values())),
        "service_messages": sum(used.values()),
        "requests": sum(requests_made.values()),
        "ai_tokens": sum(r["ai_tokens"] for r in results),
        "ai_cost_usd": round(sum(r["ai_cost_usd"] for r in results), 6),
    }
    spent = Spend(tokens=totals["ai_tokens"], cost=sum((s["cost"] for s in ai_spend.values()), Decimal(0)))
    totals["ai_operator_budget"] = _budget_fields(operator_budget(spend=spent))
    # `clients` and `results` are the same list: `results` as in every list we serve, `clients` by name.
    return {
        "month": month.strftime("%Y-%m"),
        "date": local_today().isoformat(),
        "results": results,
        "clients": results,
        "totals": totals,
    }
