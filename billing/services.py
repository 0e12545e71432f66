"""Usage counting: one row per (number, month), moved only by atomic F() updates.

Every outbound message is counted once, in the transaction that marks it accepted
(`whatsapp.services.outbound.count_accepted_message` flips `Message.usage_counted` first), and
leaves a `CountedMessage` ledger row keyed by the message, a second guard against double counts.
"""

from __future__ import annotations

from datetime import date, datetime

import phonenumbers
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from billing.alerts import raise_crossed_alerts
from billing.models import TEMPLATE_COUNTERS, Category, CountedMessage, UsagePeriod
from billing.months import month_start
from tenants.models import WhatsAppNumber

# Numbers whose month is opened ahead by the beat task; others open on first use.
OPEN_STATUSES = (WhatsAppNumber.Status.ACTIVE, WhatsAppNumber.Status.VERIFIED, WhatsAppNumber.Status.SUSPENDED)


def usage_period_for(*, number: WhatsAppNumber, at: datetime | None = None) -> UsagePeriod:
    """The number's period for the month of `at`, opened on first use (a missed beat run loses nothing).

    For the current month the stored allowance follows the number's settings, so an operator's
    change applies to the rest of the month.
    """
    month = month_start(at)
    period = UsagePeriod.objects.filter(number=number, month=month).first()
    if period is None:
        try:
            with transaction.atomic():
                return UsagePeriod.objects.create(
                    client_id=number.client_id, number=number, month=month, allowance=number.monthly_allowance
                )
        except IntegrityError:  # opened concurrently by another process
            period = UsagePeriod.objects.get(number=number, month=month)
    allowance = number.monthly_allowance
    if period.allowance != allowance and month == month_start():
        UsagePeriod.objects.filter(pk=period.pk).update(allowance=allowance)
        period.allowance = allowance
    return period


def open_periods(*, month: date | None = None) -> int:
    """Open `month` (default: the current one) for every connected number; existing rows are kept as they are."""
    month = month or month_start()
    numbers = WhatsAppNumber.objects.filter(status__in=OPEN_STATUSES).select_related("client")
    existing = set(UsagePeriod.objects.filter(month=month).values_list("number_id", flat=True))
    rows = [
        UsagePeriod(client_id=n.client_id, number=n, month=month, allowance=n.monthly_allowance)
        for n in numbers
        if n.pk not in existing
    ]
    # ignore_conflicts: a number that counted a message meanwhile keeps its row and its counts.
    UsagePeriod.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def increment_usage(*, period_id: int, **counters: int) -> None:
    """UPDATE … SET c = c + n: concurrent writers serialise on the row, none is lost."""
    UsagePeriod.objects.filter(pk=period_id).update(
        **{name: F(name) + amount for name, amount in counters.items()}, updated_at=timezone.now()
    )


def record_inbound_usage(*, number: WhatsAppNumber, at: datetime | None = None, count: int = 1) -> None:
    """Inbound messages are free; they are counted only to show activity (a batch counts them at once)."""
    increment_usage(period_id=usage_period_for(number=number, at=at).pk, inbound_messages=count)


def template_category(pricing_category: str) -> str:
    """Fold Meta's pricing categories (marketing_lite, authentication_international…) onto ours."""
    value = (pricing_category or "").lower()
    if value.startswith("marketing"):
        return Category.MARKETING
    if value.startswith("authentication"):
        return Category.AUTHENTICATION
    if value == "utility":
        return Category.UTILITY
    return Category.UNCATEGORIZED


def _outbound_category(*, is_template: bool, pricing_category: str) -> str:
    """Service for free-form messages; for templates Meta's category once a status told us."""
    return template_category(pricing_category) if is_template else Category.SERVICE


def recipient_country_code(wa_id: str, user_id: str = "") -> str:
    """The recipient's calling code for prices: from the phone, else from the ISO country a BSUID starts
    with (`CO.1349…` → 57); customers who hide their phone behind a username have only the BSUID."""
    try:
        if wa_id:
            return str(phonenumbers.parse(f"+{wa_id}").country_code)
    except phonenumbers.NumberParseException:
        return ""
    region = user_id[:2] if len(user_id) > 3 and user_id[2] == "." and user_id[:2].isalpha() else ""
    code = phonenumbers.country_code_for_region(region.upper()) if region else 0
    return str(code) if code else ""


def record_outbound_usage(
    *,
    message_id: int,
    number: WhatsAppNumber,
    at: datetime,
    is_template: bool,
    sent_by: str,
    recipient_wa_id: str,
    recipient_user_id: str = "",
    pricing_category: str = "",
    pricing_type: str = "",
    billable: bool | None = None,
) -> bool:
    """Count one accepted outbound message in the month it was sent; False if it was counted before.

    The caller passes what it already holds (the number with its client, when it was sent, whether it is a
    template, who wrote it, the recipient's phone and BSUID, Meta's pricing block if a status brought it already);
    billing re-reads no message. Runs inside
    the caller's transaction (count_accepted_message), so the ledger row, the counters and the alert rows
    commit together with `usage_counted` or not at all.
    """
    period = usage_period_for(number=number, at=at)
    category = _outbound_category(is_template=is_template, pricing_category=pricing_category)
    # No savepoint of its own: inside count_accepted_message any failure rolls the whole count back.
    with transaction.atomic(savepoint=False):
        try:
            with transaction.atomic():
                CountedMessage.objects.create(
                    message_id=message_id,
                    sent_at=at,
                    pricing_category=pricing_category,
                    pricing_type=pricing_type,
                    billable=billable,
                    client_id=period.client_id,
                    period=period,
                    category=category,
                    country_code=recipient_country_code(recipient_wa_id, recipient_user_id),
                )
        except IntegrityError:
            return False
        if category != Category.SERVICE:
            increment_usage(period_id=period.pk, template_messages=1, **{TEMPLATE_COUNTERS[category]: 1})
            return True
        counters = {"service_messages": 1}
        if sent_by == "ai":
            counters["ai_replies"] = 1
        elif sent_by == "agent":
            counters["agent_replies"] = 1
        increment_usage(period_id=period.pk, **counters)
        raise_crossed_alerts(period_id=period.pk, just_counted=1)
    return True


def usage_record_pricing(*, message_id: int, pricing_category: str, pricing_type: str, billable: bool | None) -> bool:
    """Keep Meta's pricing block on the counted message, and settle a template's category at once.

    Called by the WhatsApp app when a status brings pricing. A message not counted yet has no row: the
    count copies the block from the message then (the count locks the message row, so one of the two
    always sees the other's write).
    """
    updated = CountedMessage.objects.filter(pk=message_id).update(
        pricing_category=pricing_category, pricing_type=pricing_type, billable=billable
    )
    if updated and pricing_category in KNOWN_TEMPLATE_PRICING:
        settle_template_categories(message_ids=[message_id])
    return bool(updated)


def usage_record_pricing_batch(pricing: dict[int, tuple[str, str, bool | None]]) -> None:
    """`usage_record_pricing` for many messages ({message id: (category, type, billable)}), grouped by value."""
    groups: dict[tuple[str, str, bool | None], list[int]] = {}
    for message_id, values in pricing.items():
        groups.setdefault(values, []).append(message_id)
    for (category, pricing_type, billable), ids in groups.items():
        CountedMessage.objects.filter(pk__in=ids).update(
            pricing_category=category, pricing_type=pricing_type, billable=billable
        )
    templates = [pk for pk, (category, _, _) in pricing.items() if category in KNOWN_TEMPLATE_PRICING]
    if templates:
        settle_template_categories(message_ids=templates)


KNOWN_TEMPLATE_PRICING = ["marketing", "marketing_lite", "utility", "authentication", "authentication_international"]


def settle_template_categories(*, limit: int = 2000, message_ids: list[int] | None = None) -> int:
    """Move templates counted before Meta told us their category onto the right counter, once each."""
    pending = CountedMessage.objects.filter(
        category=Category.UNCATEGORIZED, pricing_category__in=KNOWN_TEMPLATE_PRICING
    )
    if message_ids is not None:
        pending = pending.filter(pk__in=message_ids)
    pending = pending.values_list("message_id", "period_id", "pricing_category")[:limit]
    moved = 0
    for message_id, period_id, pricing in list(pending):
        category = template_category(pricing)
        with transaction.atomic():
            # The conditional UPDATE is the claim: a concurrent sweep moves each row at most once.
            if CountedMessage.objects.filter(pk=message_id, category=Category.UNCATEGORIZED).update(category=category):
                UsagePeriod.objects.filter(pk=period_id).update(
                    template_uncategorized=F("template_uncategorized") - 1,
                    **{TEMPLATE_COUNTERS[category]: F(TEMPLATE_COUNTERS[category]) + 1},
                )
                moved += 1
    return moved
