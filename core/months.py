"""The calendar month in TIME_ZONE, for the engines that count by it: billing's usage periods (a date) and the
AI budget's spend (an instant). Both must agree on where a month starts, whatever time zone a request may
have activated.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    """Months and days are TIME_ZONE's, not the time zone a request may have activated."""
    return ZoneInfo(settings.TIME_ZONE)


def month_start(at: datetime | None = None) -> date:
    """First day of the calendar month of `at` (default: now) in TIME_ZONE."""
    return timezone.localtime(at or timezone.now(), local_tz()).date().replace(day=1)


def month_start_instant(at: datetime | None = None) -> datetime:
    """The first instant (midnight, aware) of the calendar month of `at` (default: now) in TIME_ZONE."""
    return datetime.combine(month_start(at), time.min, tzinfo=local_tz())
