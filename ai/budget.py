"""Monthly budgets of the paid model: per client (its row: tokens, USD, policy) and for the operator as a
whole (settings), with the same two policies as the message allowance (`Client.QuotaPolicy`): `pause_ai`
stops calling the model and hands the conversation to people, `allow_overage` keeps answering and the
dashboard reports the overage.

Spend is what the reply logs recorded this month in `TIME_ZONE` (`AiReplyLog.prompt_tokens`,
`completion_tokens`, `estimated_cost`; previews included, they call the model too). A call's cost is known
only after it is made, so the reply that crosses a budget is sent and the next one is paused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Sum

from ai.models import AiReplyLog
from core.months import month_start_instant
from tenants.models import Client

OPERATOR_SPEND_KEY = "ai:operator-spend:{month}"


@dataclass(frozen=True)
class Spend:
    tokens: int = 0
    cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class Budget:
    """One budget and what was spent against it this month; a limit of None is no limit."""

    scope: str  # "client" or "operator"
    spend: Spend
    token_limit: int | None
    cost_limit: Decimal | None
    policy: str

    @property
    def exceeded(self) -> bool:
        return (self.token_limit is not None and self.spend.tokens >= self.token_limit) or (
            self.cost_limit is not None and self.spend.cost >= self.cost_limit
        )

    @property
    def percent_used(self) -> int | None:
        """The larger share used of the limits set, in %, or None without a limit."""
        shares = []
        if self.token_limit is not None:
            shares.append(100 * self.spend.tokens / self.token_limit if self.token_limit else 100)
        if self.cost_limit is not None:
            shares.append(float(100 * self.spend.cost / self.cost_limit) if self.cost_limit else 100)
        return round(max(shares)) if shares else None

    @property
    def pauses(self) -> bool:
        return self.exceeded and self.policy == Client.QuotaPolicy.PAUSE_AI


def _spend(logs) -> Spend:
    totals = logs.aggregate(tokens=Sum(F("prompt_tokens") + F("completion_tokens")), cost=Sum("estimated_cost"))
    return Spend(tokens=totals["tokens"] or 0, cost=totals["cost"] or Decimal(0))


def client_spend(*, client: Client, since: datetime) -> Spend:
    return _spend(AiReplyLog.objects.for_client(client).filter(created_at__gte=since))


def operator_spend(*, since: datetime) -> Spend:
    """Every client's spend together (the operator's budget reads across tenants on purpose), cached for
    AI_OPERATOR_SPEND_CACHE_SECONDS: the sum runs over a month of logs, not on every reply."""
    key = OPERATOR_SPEND_KEY.format(month=since.strftime("%Y-%m"))
    cached = cache.get(key) if settings.AI_OPERATOR_SPEND_CACHE_SECONDS else None
    if cached is not None:
        return Spend(tokens=cached[0], cost=Decimal(cached[1]))
    spend = _spend(AiReplyLog.objects.filter(created_at__gte=since))
    if settings.AI_OPERATOR_SPEND_CACHE_SECONDS:
        cache.set(key, (spend.tokens, str(spend.cost)), settings.AI_OPERATOR_SPEND_CACHE_SECONDS)
    return spend


def client_budget(*, client: Client, spend: Spend) -> Budget:
    return Budget(
        scope="client",
        spend=spend,
        token_limit=client.ai_monthly_tokens,
        cost_limit=client.ai_monthly_cost_usd,
        policy=client.ai_budget_policy,
    )


def operator_budget(*, spend: Spend) -> Budget:
    tokens, cost = settings.AI_OPERATOR_MONTHLY_TOKENS, settings.AI_OPERATOR_MONTHLY_COST_USD
    return Budget(
        scope="operator",
        spend=spend,
        token_limit=tokens or None,
        cost_limit=Decimal(str(cost)) if cost else None,
        policy=settings.AI_OPERATOR_BUDGET_POLICY,
    )


def has_operator_budget() -> bool:
    return bool(settings.AI_OPERATOR_MONTHLY_TOKENS or settings.AI_OPERATOR_MONTHLY_COST_USD)


def budget_exceeded(*, client: Client, now: datetime | None = None) -> Budget | None:
    """The budget this client's next model call would go over (a pausing one first), or None.

    Reads nothing for a client without limits while the operator has none either.
    """
    since = month_start_instant(now)
    over: list[Budget] = []
    if client.ai_monthly_tokens is not None or client.ai_monthly_cost_usd is not None:
        budget = client_budget(client=client, spend=client_spend(client=client, since=since))
        if budget.exceeded:
            over.append(budget)
    if has_operator_budget():
        budget = operator_budget(spend=operator_spend(since=since))
        if budget.exceeded:
            over.append(budget)
    over.sort(key=lambda b: not b.pauses)
    return over[0] if over else None


def spend_by_client(*, since: datetime) -> dict[int, dict]:
    """Operator-wide (the dashboard): each client's model replies, tokens and estimated cost since `since`."""
    rows = (
        AiReplyLog.objects.filter(created_at__gte=since)
        .values("client_id")
        .annotate(tokens=Sum(F("prompt_tokens") + F("completion_tokens")), cost=Sum("estimated_cost"))
    )
    return {r["client_id"]: {"tokens": r["tokens"] or 0, "cost": r["cost"] or Decimal(0)} for r in rows}
