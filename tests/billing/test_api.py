"""/api/client/<id>/stats, /api/dashboard/metrics and /api/v1/usage: shapes, meanings, tenancy, bad input."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from billing.models import UsagePeriod
from tenants.authentication import create_api_key
from tests.billing.support import member_api, send_counted, staff_api
from tests.factories import ClientFactory, ConversationFactory, MessageFactory, connected_number

pytestmark = pytest.mark.django_db

STATS_FIELDS = {
    "phone_number",
    "free_messages_remaining",
    "monthly_messages_used",
    "total_conversations",
    "total_messages",
}
METRIC_FIELDS = {
    "client_id",
    "client_name",
    "phone_number",
    "conversations_today",
    "free_messages_remaining",
    "ai_responses_sent",
    "conversion_rate",
}
BOGOTA = ZoneInfo("America/Bogota")


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]


@pytest.fixture
def busy(number):
    """This month: 2 conversations with inbound and AI replies (one converted), 1 old conversation."""
    conversation = ConversationFactory(number=number, converted_at=timezone.now())
    MessageFactory.create_batch(2, conversation=conversation)
    send_counted(number, 3, conversation=conversation)
    other = ConversationFactory(number=number)
    MessageFactory(conversation=other)
    send_counted(number, 1, conversation=other, sent_by="agent")
    old = ConversationFactory(number=number, converted_at=timezone.now() - timedelta(days=70))
    MessageFactory(conversation=old, created_at=timezone.now() - timedelta(days=70))
    return number


def test_stats_for_the_clients_own_user(busy):
    response = member_api(busy.client, role="agent").get(f"/api/client/{busy.client_id}/stats")
    assert response.status_code == 200
    body = response.json()
    assert body.keys() >= STATS_FIELDS
    assert body["phone_number"] == busy.phone_number
    assert body["monthly_messages_used"] == 4
    assert body["free_messages_remaining"] == 1000 - 4
    assert body["total_conversations"] == 2  # the one without messages this month is not counted
    assert body["total_messages"] == 2 + 3 + 1 + 1
    assert [n["phone_number"] for n in body["numbers"]] == [busy.phone_number]


def test_stats_of_another_client_or_a_missing_one_are_404(busy):
    stranger = member_api(ClientFactory())
    assert_error(stranger.get(f"/api/client/{busy.client_id}/stats"), 404, "not_found")
    assert_error(stranger.get("/api/client/999999/stats"), 404, "not_found")
    _, key = create_api_key(client=ClientFactory(), name="other")
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    assert_error(keyed.get(f"/api/client/{busy.client_id}/stats"), 404, "not_found")


def test_stats_for_the_operator_and_not_for_anonymous(busy):
    assert staff_api().get(f"/api/client/{busy.client_id}/stats").json()["monthly_messages_used"] == 4
    assert APIClient().get(f"/api/client/{busy.client_id}/stats").status_code == 401


def test_stats_pick_the_first_active_number_and_list_them_all(number):
    client = number.client
    number.status = "disconnected"
    number.save()
    second = connected_number(client=client)
    third = connected_number(client=client, monthly_free_messages=5)
    send_counted(second, 2)
    send_counted(third, 1)
    body = member_api(client).get(f"/api/client/{client.pk}/stats").json()
    assert body["phone_number"] == second.phone_number
    assert body["free_messages_remaining"] == 998
    assert body["monthly_messages_used"] == 3
    assert {n["phone_number"]: n["free_messages_remaining"] for n in body["numbers"]} == {
        second.phone_number: 998,
        third.phone_number: 4,
    }


def test_stats_of_a_client_without_a_number(db):
    client = ClientFactory(monthly_free_messages=250)
    body = member_api(client).get(f"/api/client/{client.pk}/stats").json()
    assert (body["phone_number"], body["free_messages_remaining"], body["monthly_messages_used"]) == (None, 250, 0)


def test_dashboard_metrics_for_the_operator(busy):
    quiet = connected_number()
    with time_machine.travel(timezone.now() + timedelta(seconds=1)):
        body = staff_api().get("/api/dashboard/metrics").json()
    rows = {row["client_id"]: row for row in body["results"]}
    assert all(row.keys() >= METRIC_FIELDS for row in rows.values())
    mine = rows[busy.client_id]
    assert mine["phone_number"] == busy.phone_number
    assert mine["conversations_today"] == 2
    assert mine["ai_responses_sent"] == 3
    assert mine["free_messages_remaining"] == 996
    assert mine["conversion_rate"] == 0.5  # 1 of this month's 2 conversations converted
    assert rows[quiet.client_id]["conversations_today"] == 0
    assert rows[quiet.client_id]["conversion_rate"] == 0
    totals = body["totals"]
    assert totals["ai_responses_sent"] == 3 and totals["conversations_today"] == 2
    assert totals["clients"] == 2


def test_conversations_today_means_today_in_bogota(number):
    conversation = ConversationFactory(number=number)
    # 23:30 yesterday in Bogotá is already "today" in UTC: it must not count.
    with time_machine.travel(datetime(2026, 5, 10, 23, 30, tzinfo=BOGOTA), tick=False):
        MessageFactory(conversation=conversation)
    with time_machine.travel(datetime(2026, 5, 11, 9, 0, tzinfo=BOGOTA), tick=False):
        body = staff_api().get("/api/dashboard/metrics").json()
    assert body["results"][0]["conversations_today"] == 0


def test_dashboard_is_for_the_operator_only(busy):
    assert_error(member_api(busy.client).get("/api/dashboard/metrics"), 403, "permission_denied")
    assert APIClient().get("/api/dashboard/metrics").status_code == 401


def test_usage_rows_for_the_callers_client_only(number):
    other = connected_number()
    send_counted(number, 2)
    send_counted(other, 7)
    body = member_api(number.client).get("/api/v1/usage").json()
    [row] = body["results"]
    assert body["month"] == timezone.localdate().strftime("%Y-%m")
    assert (row["phone_number"], row["service_messages"], row["ai_replies"]) == (number.phone_number, 2, 2)
    assert row["free_messages_remaining"] == 998
    _, key = create_api_key(client=other.client, name="integration")
    keyed = APIClient()
    keyed.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    [theirs] = keyed.get("/api/v1/usage").json()["results"]
    assert theirs["service_messages"] == 7


def test_usage_of_a_past_month_keeps_its_allowance(number):
    with time_machine.travel(datetime(2026, 3, 15, 12, tzinfo=BOGOTA), tick=False):
        send_counted(number, 4)
    number.monthly_free_messages = 10
    number.save()
    [row] = member_api(number.client).get("/api/v1/usage", {"month": "2026-03"}).json()["results"]
    assert (row["month"], row["allowance"], row["service_messages"]) == ("2026-03", 1000, 4)
    assert UsagePeriod.objects.get(number=number).allowance == 1000


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "march", "2026-03-01", "0000-01", "2026-00"])
def test_a_bad_month_is_a_400(number, month):
    assert_error(member_api(number.client).get("/api/v1/usage", {"month": month}), 400, "invalid_month")
