"""Estimated cost of a model call, for AiReplyLog (USD; an estimate, not an invoice)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings

# USD per million tokens (input, output); list prices of common models. Settings override them.
PRICES_PER_MTOK: dict[str, tuple[str, str]] = {
    "gpt-4o-mini": ("0.15", "0.60"),
    "gpt-4o": ("2.50", "10.00"),
    "gpt-4.1": ("2.00", "8.00"),
    "gpt-4.1-mini": ("0.40", "1.60"),
    "gpt-4.1-nano": ("0.10", "0.40"),
}
MILLION = Decimal(1_000_000)


def _prices(model: str) -> tuple[Decimal, Decimal]:
    if settings.OPENAI_PRICE_INPUT_PER_MTOK or settings.OPENAI_PRICE_OUTPUT_PER_MTOK:
        return Decimal(str(settings.OPENAI_PRICE_INPUT_PER_MTOK)), Decimal(str(settings.OPENAI_PRICE_OUTPUT_PER_MTOK))
    # Dated snapshots ("gpt-4o-mini-2024-07-18") price like their family: longest known prefix wins.
    family = max((name for name in PRICES_PER_MTOK if model.startswith(name)), key=len, default=None)
    if family is None:
        return Decimal(0), Decimal(0)
    prompt, completion = PRICES_PER_MTOK[family]
    return Decimal(prompt), Decimal(completion)


def estimate_cost(*, model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
    prompt_price, completion_price = _prices(model)
    cost = (prompt_price * prompt_tokens + completion_price * completion_tokens) / MILLION
    return cost.quantize(Decimal("0.000001"))
