"""Reads of usage: what a number has left this month and whether the AI may still answer."""

from __future__ import annotations

from billing.models import UsagePeriod
from billing.services import month_start
from tenants.models import Client, WhatsAppNumber


def free_messages_remaining(*, number: WhatsAppNumber) -> int:
    period = UsagePeriod.objects.filter(number=number, month=month_start()).first()
    if period is None:
        return number.monthly_allowance
    return max(period.allowance - period.service_messages, 0)


def ai_may_reply(*, number: WhatsAppNumber) -> bool:
    """Under `pause_ai` the AI stops at the allowance; `allow_overage` keeps answering."""
    if number.client.quota_policy == Client.QuotaPolicy.ALLOW_OVERAGE:
        return True
    return free_messages_remaining(number=number) > 0
