"""Calendar months and days in TIME_ZONE: the one place billing says which month a message counts in (where a
month starts is `core.months`, shared with the AI budget).

Usage periods, reports, the portal and the API all read `YYYY-MM` through `parse_month`, so they accept and
refuse the same values.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from core.months import local_tz as billing_tz
from core.months import month_start  # billing's callers keep reading their months from this one module

FIRST_YEAR, LAST_YEAR = 2000, 2100  # months outside these years are refused, never a database overflow


def local_today() -> date:
    return timezone.localdate(timezone=billing_tz())


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a calendar month as aware datetimes at midnight in TIME_ZONE."""
    tz = billing_tz()
    start = datetime.combine(month.replace(day=1), time.min, tzinfo=tz)
    return start, datetime.combine(next_month(month), time.min, tzinfo=tz)


def day_bounds(day: date | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a day (default: today) in TIME_ZONE."""
    day = day or local_today()
    tz = billing_tz()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


def parse_month(value: str | None) -> date | None:
    """`YYYY-MM` → its first day; empty → the current month; anything else (or a year out of range) → None."""
    if not value:
        return month_start()
    value = str(value)
    try:
        parsed = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    if len(value) != 7 or not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        return None
    return parsed
