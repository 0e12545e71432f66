"""Alerts at 80 % and 100 %: once per (number, month), emailed once to the owners and the operator."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from billing.alerts import ALERT_HEADER, sweep_usage_alerts
from billing.models import UsageAlert
from billing.tasks import send_usage_alert
from tests.billing.support import member_api, send_counted
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """Count messages and run what they scheduled on commit (the alert emails), as a real commit would."""

    def counted(number, n):
        with django_capture_on_commit_callbacks(execute=True):
            send_counted(number, n)

    return counted


@pytest.fixture
def small_number(number, settings):
    settings.OPERATOR_EMAILS = ["ops@operator.example"]
    number.monthly_free_messages = 10
    number.save()
    MembershipFactory(client=number.client, role="owner", user=UserFactory(email="owner@client.example"))
    MembershipFactory(client=number.client, role="agent", user=UserFactory(email="agent@client.example"))
    return number


def recipients() -> list[str]:
    return sorted(to for message in mail.outbox for to in message.to if ALERT_HEADER in message.extra_headers)


def test_80_and_100_percent_alerts_are_raised_and_emailed_once(small_number, send, django_capture_on_commit_callbacks):
    send(small_number, 7)
    assert not UsageAlert.objects.exists()
    send(small_number, 1)  # 8 of 10
    assert list(UsageAlert.objects.values_list("threshold", flat=True)) == [80]
    assert recipients() == ["ops@operator.example", "owner@client.example"]
    assert "80%" in mail.outbox[0].subject

    send(small_number, 2)  # 10 of 10
    send(small_number, 5)  # overage: no new alert
    assert sorted(UsageAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    reached = UsageAlert.objects.get(threshold=100)
    assert (reached.service_messages, reached.allowance, reached.policy) == (10, 10, "pause_ai")
    assert reached.emailed_at is not None
    assert len(mail.outbox) == 4  # two alerts × (owner + operator); agents are not told

    with django_capture_on_commit_callbacks(execute=True):
        send_usage_alert.delay(reached.pk)  # a retried email task
        sweep_usage_alerts()  # and the beat sweep
    assert len(mail.outbox) == 4


def test_alerts_are_per_month(small_number, send):
    tz = ZoneInfo("America/Bogota")
    with time_machine.travel(datetime(2026, 1, 20, 12, 0, tzinfo=tz), tick=False):
        send(small_number, 10)
    with time_machine.travel(datetime(2026, 2, 20, 12, 0, tzinfo=tz), tick=False):
        send(small_number, 8)
    months = sorted(UsageAlert.objects.values_list("month", "threshold"))
    assert months == [(date(2026, 1, 1), 80), (date(2026, 1, 1), 100), (date(2026, 2, 1), 80)]


def test_the_sweep_raises_what_a_lowered_allowance_crossed(small_number, send):
    send(small_number, 5)
    small_number.monthly_free_messages = 4  # the operator lowers it mid-month; no message crosses a line
    small_number.save()
    send(small_number, 1)  # the count takes the new allowance: 6 of 4
    assert sweep_usage_alerts() == 2
    assert sweep_usage_alerts() == 0
    assert sorted(UsageAlert.objects.values_list("threshold", flat=True)) == [80, 100]


def test_a_client_sees_its_alert_flag_and_another_client_does_not(small_number, send):
    from tests.factories import connected_number

    other = connected_number()
    send(small_number, 10)
    mine = member_api(small_number.client).get("/api/v1/usage").json()["results"]
    theirs = member_api(other.client).get("/api/v1/usage").json()["results"]
    assert mine[0]["alerts"] == [80, 100]
    assert mine[0]["ai_paused"] is True
    assert [row["phone_number"] for row in theirs] == [other.phone_number]
    assert theirs[0]["alerts"] == [] and theirs[0]["ai_paused"] is False
