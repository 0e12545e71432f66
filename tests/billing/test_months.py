"""Calendar months in TIME_ZONE: the boundary to the millisecond, the beat schedule and a missed run."""

import importlib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django_celery_beat.models import PeriodicTask, PeriodicTasks

from billing import tasks
from billing.models import UsagePeriod
from billing.selectors import ai_may_reply, free_messages_remaining
from core.beat import rename_tasks
from tests.billing.support import send_counted
from tests.factories import WhatsAppNumberFactory

pytestmark = pytest.mark.django_db

BOGOTA = ZoneInfo("America/Bogota")


def at(*args) -> time_machine.travel:
    return time_machine.travel(datetime(*args, tzinfo=BOGOTA), tick=False)


def months(number) -> dict:
    return dict(UsagePeriod.objects.filter(number=number).values_list("month", "service_messages"))


def test_time_zone_is_bogota_by_default():
    assert settings.TIME_ZONE == "America/Bogota"


def test_last_millisecond_counts_in_its_month_and_midnight_in_the_next(number):
    with at(2026, 1, 31, 23, 59, 59, 999000):
        send_counted(number)
    with at(2026, 2, 1, 0, 0, 0, 0):
        send_counted(number, 2)
    assert months(number) == {date(2026, 1, 1): 1, date(2026, 2, 1): 2}


def test_the_month_is_bogotas_not_utcs(number):
    # 2026-03-01 03:00 UTC is still February 28th in Bogotá (UTC-5).
    with time_machine.travel(datetime(2026, 3, 1, 3, 0, tzinfo=ZoneInfo("UTC")), tick=False):
        send_counted(number)
    assert months(number) == {date(2026, 2, 1): 1}


def test_a_paused_number_answers_again_at_midnight_on_day_one(number):
    number.monthly_free_messages = 1
    number.save()
    with at(2026, 4, 30, 23, 59, 59, 999000):
        send_counted(number)
        assert free_messages_remaining(number=number) == 0
        assert ai_may_reply(number=number) is False
    with at(2026, 5, 1, 0, 0):
        assert free_messages_remaining(number=number) == 1
        assert ai_may_reply(number=number) is True


def test_beat_opens_next_month_for_every_connected_number_with_fresh_counters(number):
    other = WhatsAppNumberFactory(status="active")
    pending = WhatsAppNumberFactory(status="pending")
    with at(2026, 6, 15, 12, 0):
        send_counted(number, 5)
    with at(2026, 7, 1, 0, 0, 5):
        assert tasks.open_new_month.delay().get() == 2
    july = UsagePeriod.objects.filter(month=date(2026, 7, 1))
    assert set(july.values_list("number_id", flat=True)) == {number.pk, other.pk}
    assert not UsagePeriod.objects.filter(number=pending).exists()
    assert list(july.values_list("service_messages", flat=True)) == [0, 0]
    assert months(number)[date(2026, 6, 1)] == 5  # history stays


def test_a_missed_beat_run_loses_nothing_and_a_late_one_doubles_nothing(number):
    with at(2026, 8, 31, 22, 0):
        send_counted(number, 3)
    # No beat run at 00:00 on September 1st: the first message of the month opens it.
    with at(2026, 9, 2, 9, 0):
        send_counted(number, 2)
    with at(2026, 9, 2, 9, 30):
        assert tasks.open_new_month.delay().get() == 0  # the late run finds it open
        tasks.open_new_month.delay().get()  # and a repeated one too
        send_counted(number, 1)
    assert months(number) == {date(2026, 8, 1): 3, date(2026, 9, 1): 3}
    assert UsagePeriod.objects.filter(number=number).count() == 2


def test_the_schedule_is_registered_once_at_midnight_on_day_one_in_time_zone():
    migration = importlib.import_module("billing.migrations.0003_beat_schedule")
    migration.create_schedule(apps, None)
    migration.create_schedule(apps, None)  # re-running the migration is harmless
    renames = importlib.import_module("billing.migrations.0005_task_names")
    rename_tasks(apps, renames.RENAMES)  # rows point at registered names, not module paths
    task = PeriodicTask.objects.get(task="billing.open_new_month")
    cron = task.crontab
    assert task.enabled
    assert (cron.minute, cron.hour, cron.day_of_month, cron.month_of_year, cron.day_of_week) == (
        "0",
        "0",
        "1",
        "*",
        "*",
    )
    assert str(cron.timezone) == settings.TIME_ZONE
    assert PeriodicTask.objects.filter(task__startswith="billing.").count() == 3
    assert not PeriodicTask.objects.filter(task__startswith="billing.tasks.").exists()
    assert PeriodicTasks.last_change() is not None  # a running beat reloads the schedule
    # Celery's own reading of it: due next at 00:00 on the 1st in Bogotá.
    schedule = cron.schedule
    with at(2026, 10, 31, 23, 0):
        now = schedule.now()
        remaining = schedule.remaining_estimate(now)
    assert (now + remaining).astimezone(BOGOTA).replace(microsecond=0) == datetime(2026, 11, 1, 0, 0, tzinfo=BOGOTA)


def test_an_activated_request_time_zone_does_not_move_the_month(number):
    from django.utils import timezone

    timezone.activate(ZoneInfo("Asia/Tokyo"))
    try:
        with at(2026, 1, 31, 23, 59, 59, 999000):  # already February 1st in Tokyo
            send_counted(number)
    finally:
        timezone.deactivate()
    assert months(number) == {date(2026, 1, 1): 1}
