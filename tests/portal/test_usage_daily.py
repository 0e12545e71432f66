"""Time, not just totals: messages per day for the last 30 days per number (received, AI, agent, other), and the
day the free allowance runs out at this month's pace."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from billing.months import local_today
from portal.selectors import allowance_run_out, daily_messages
from tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


def test_messages_per_day_by_kind_for_each_number(tenant, other):
    yesterday = timezone.now() - timedelta(days=1)
    MessageFactory(conversation=tenant.conversation, created_at=yesterday)
    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="ai", status="sent")
    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="agent", status="sent")
    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="system", status="sent")
    MessageFactory(conversation=tenant.conversation, created_at=timezone.now() - timedelta(days=40))  # too old
    MessageFactory(conversation=other.conversation)  # another client's: never counted here
    days = daily_messages(client=tenant.client)[tenant.number.pk]
    assert len(days) == 30 and days[-1]["day"] == local_today()
    assert (days[-1]["ai"], days[-1]["agent"], days[-1]["other"]) == (1, 1, 1)
    assert days[-2].get("received", 0) >= 1
    assert (
        sum(d.get("received", 0) for d in days)
        == tenant.conversation.messages.filter(
            direction="in", created_at__gte=timezone.now() - timedelta(days=29)
        ).count()
    )


@pytest.mark.parametrize(
    ("used", "remaining", "today", "expected"),
    [
        (500, 500, date(2026, 12, 10), date(2026, 12, 20)),  # 50 a day: 10 more days
        (100, 900, date(2026, 12, 10), None),  # 10 a day: lasts the month
        (0, 1000, date(2026, 12, 10), None),  # nothing used yet: no pace
        (1000, 0, date(2026, 12, 10), None),  # already used up: the meter says so
    ],
)
def test_the_run_out_day_follows_this_months_pace(used, remaining, today, expected, time_machine):
    time_machine.move_to("2026-12-10 12:00:00-05:00")
    row = {"service_messages": used, "free_messages_remaining": remaining}
    assert allowance_run_out(row, today=today) == expected


def test_the_usage_page_draws_a_column_per_day_and_says_when_it_runs_out(owner_client, tenant):
    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="ai", status="sent")
    html = owner_client.get("/app/usage/").content.decode()
    assert 'class="chart daily"' in html and "Mensajes por día, últimos 30 días" in html
    assert f'id="runs-out-{tenant.number.pk}"' in html


def test_the_operator_sees_each_clients_days_and_nothing_of_another_in_its_chart(client, tenant, other):
    from tests.factories import UserFactory

    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="agent", status="sent")
    client.force_login(UserFactory(is_staff=True))
    charts = {c["client_id"]: c["chart"] for c in client.get("/dashboard/").context["daily_charts"]}
    assert set(charts) == {tenant.client.pk, other.client.pk}
    today = charts[tenant.client.pk]["columns"][-1]
    assert [s["value"] for s in today["segments"] if s["label"] == "Respuestas de agentes"] == [1]
    assert not any(s["label"] == "Respuestas de agentes" for s in charts[other.client.pk]["columns"][-1]["segments"])
