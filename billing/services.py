"""Usage counting: one row per (number, month), moved only by atomic F() updates."""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import UsagePeriod
from tenants.models import WhatsAppNumber


def month_start(at: datetime | None = None) -> date:
    """First day of the calendar month of `at` in TIME_ZONE (the month a message counts in)."""
    local = timezone.localtime(at or timezone.now())
    return local.date().replace(day=1)


def usage_period_for(*, number: WhatsAppNumber, at: datetime | None = None) -> UsagePeriod:
    """The number's period for the month of `at`, opened on first use (a missed beat run loses nothing)."""
    month = month_start(at)
    period = UsagePeriod.objects.filter(number=number, month=month).first()
    if period:
        return period
    try:
        with transaction.atomic():
            return UsagePeriod.objects.create(
                client_id=number.client_id, number=number, month=month, allowance=number.monthly_allowance
            )
    except IntegrityError:  # opened concurrently by another process
        return UsagePeriod.objects.get(number=number, month=month)


def _increment(period: UsagePeriod, **counters: int) -> None:
    UsagePeriod.objects.filter(pk=period.pk).update(
        **{name: F(name) + amount for name, amount in counters.items()}, updated_at=timezone.now()
    )


def record_inbound_usage(*, number: WhatsAppNumber, at: datetime | None = None) -> None:
    _increment(usage_period_for(number=number, at=at), inbound_messages=1)


def record_outbound_usage(*, message) -> None:
    """Count one accepted outbound message in the month it was sent (template or service)."""
    number = message.conversation.number
    period = usage_period_for(number=number, at=message.sent_at or message.created_at)
    if message.is_template:
        _increment(period, template_messages=1)
        return
    counters = {"service_messages": 1}
    if message.sent_by == "ai":
        counters["ai_replies"] = 1
    elif message.sent_by == "agent":
        counters["agent_replies"] = 1
    _increment(period, **counters)
