"""Where a calendar month starts in TIME_ZONE: one answer for billing's usage periods (a date) and the AI
budget's spend (an instant), whatever time zone a request may have activated."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from core.months import local_tz, month_start, month_start_instant

BOGOTA, TOKYO = ZoneInfo("America/Bogota"), ZoneInfo("Asia/Tokyo")
LAST_JANUARY_MS = datetime(2026, 1, 31, 23, 59, 59, 999000, tzinfo=BOGOTA)


def test_the_zone_is_time_zone(settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert local_tz() == TOKYO


@pytest.mark.parametrize(
    ("at", "first_day"),
    [
        (LAST_JANUARY_MS, date(2026, 1, 1)),
        (LAST_JANUARY_MS + timedelta(milliseconds=1), date(2026, 2, 1)),
        (datetime(2026, 2, 1, 4, 59, tzinfo=ZoneInfo("UTC")), date(2026, 1, 1)),  # still January in Bogotá
        (datetime(2026, 12, 31, 12, tzinfo=BOGOTA), date(2026, 12, 1)),
    ],
)
def test_month_start_is_the_first_day_in_time_zone(at, first_day):
    assert month_start(at) == first_day
    instant = month_start_instant(at)
    assert instant == datetime(first_day.year, first_day.month, 1, tzinfo=BOGOTA)
    assert instant <= at < instant + timedelta(days=31)


def test_an_activated_time_zone_moves_neither(settings):
    timezone.activate(TOKYO)  # already February 1st there
    try:
        assert month_start(LAST_JANUARY_MS) == date(2026, 1, 1)
        assert month_start_instant(LAST_JANUARY_MS) == datetime(2026, 1, 1, tzinfo=BOGOTA)
    finally:
        timezone.deactivate()


def test_default_is_now():
    now = timezone.localtime(timezone.now(), BOGOTA)
    assert month_start() == now.date().replace(day=1)
    assert month_start_instant().astimezone(BOGOTA).date() == now.date().replace(day=1)
