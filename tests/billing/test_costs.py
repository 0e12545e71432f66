"""The Meta cost view: price table lookups, markup, the staff-only page with its chart, and the CSV."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.costs import PriceTable, cost_report
from billing.models import BillingSettings, PriceRule, UsagePeriod
from billing.months import month_start
from billing.services import usage_record_pricing
from tests.billing.support import send_counted
from tests.factories import ContactFactory, ConversationFactory, MembershipFactory, UserFactory, connected_number

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)


def rule(category, price, country="*", start=date(2026, 1, 1), end=None):
    return PriceRule.objects.create(
        category=category, country_code=country, price_usd=Decimal(price), effective_from=start, effective_to=end
    )


def priced(messages, category, pricing_type="regular"):
    """Meta's status brought the pricing block: what whatsapp.services.statuses hands to billing."""
    for message in messages:
        usage_record_pricing(
            message_id=message.pk,
            pricing_category=category,
            pricing_type=pricing_type,
            billable=pricing_type == "regular",
        )


def test_the_most_specific_rule_in_force_wins():
    rule("service", "0.0100")
    rule("service", "0.0080", country="57")
    rule("service", "0.0050", country="57", start=date(2026, 12, 1))
    rule("marketing", "0.0250", country="57", end=date(2026, 6, 30))
    table = PriceTable()
    assert table.price(category="service", country_code="57", day=TODAY) == Decimal("0.0080")
    assert table.price(category="service", country_code="57", day=date(2026, 12, 1)) == Decimal("0.0050")
    assert table.price(category="service", country_code="52", day=TODAY) == Decimal("0.0100")
    assert table.price(category="marketing", country_code="57", day=date(2026, 6, 30)) == Decimal("0.0250")
    assert table.price(category="marketing", country_code="57", day=date(2026, 7, 1)) is None


@pytest.fixture
def operator(client):
    """Django's test client signed in as staff (these are session pages, not the token API)."""
    client.force_login(UserFactory(is_staff=True))
    return client


@pytest.fixture
def month_of_traffic(number):
    """Colombian and Mexican customers; service replies, templates, one free and one awaiting pricing."""
    rule("service", "0.0040")
    rule("service", "0.0080", country="57")
    rule("marketing", "0.0250")
    colombia = ConversationFactory(number=number, contact=ContactFactory(client=number.client, wa_id="573001112233"))
    mexico = ConversationFactory(number=number, contact=ContactFactory(client=number.client, wa_id="5215512345678"))
    priced(send_counted(number, 10, conversation=colombia), "service")
    priced(send_counted(number, 5, conversation=mexico), "service")
    priced(send_counted(number, 2, conversation=colombia), "service", pricing_type="free_customer_service")
    send_counted(number, 1, conversation=colombia)  # no status with pricing yet
    priced(send_counted(number, 3, conversation=mexico, kind="template", sent_by="agent"), "marketing")
    from billing.services import settle_template_categories

    settle_template_categories()
    return number


def test_cost_per_client_and_category_with_markup(month_of_traffic):
    BillingSettings.objects.create(markup_percent=Decimal("25"))
    report = cost_report(month=month_start(), client=month_of_traffic.client)
    lines = {(x.category, x.country_code): x for x in report.lines}
    assert lines[("service", "57")].meta_cost == Decimal("0.0800")  # 10 × 0.008
    assert (lines[("service", "57")].meta_free, lines[("service", "57")].awaiting_pricing) == (2, 1)
    assert lines[("service", "52")].meta_cost == Decimal("0.0200")  # 5 × 0.004 (the * rule)
    assert lines[("marketing", "52")].meta_cost == Decimal("0.0750")
    [client] = report.by_client()
    assert client["categories"]["service"] == Decimal("0.1250")  # (0.08 + 0.02) × 1.25
    assert client["total"] == report.total == Decimal("0.2188")  # 0.175 × 1.25, rounded to 0.0001


def test_csv_totals_equal_the_usage_rows(month_of_traffic, operator):
    number = month_of_traffic
    response = operator.get(f"/billing/costs/{number.client_id}/{timezone.localdate():%Y-%m}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    usage = UsagePeriod.objects.get(number=number)
    by_section = {s: [r for r in rows if r["section"] == s] for s in ("usage", "cost", "total")}
    [service] = [r for r in by_section["usage"] if r["category"] == "service"]
    assert int(service["messages"]) == usage.service_messages == 18
    assert (int(service["free_used"]), int(service["overage"])) == (usage.free_messages_used, usage.overage)
    assert int(service["ai_replies"]) == usage.ai_replies
    [marketing] = [r for r in by_section["usage"] if r["category"] == "marketing"]
    assert int(marketing["messages"]) == usage.template_marketing == 3
    counted = usage.service_messages + usage.template_messages
    assert sum(int(r["messages"]) for r in by_section["usage"]) == counted
    assert sum(int(r["messages"]) for r in by_section["cost"]) == counted
    [total] = by_section["total"]
    assert int(total["messages"]) == counted
    assert Decimal(total["amount_usd"]) == sum(Decimal(r["amount_usd"]) for r in by_section["cost"])
    assert Decimal(total["meta_cost_usd"]) == Decimal("0.1750")


def test_the_cost_page_shows_a_chart_per_client(month_of_traffic, operator):
    other = connected_number()
    send_counted(other, 2)
    response = operator.get("/billing/costs/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") - page.count('<svg class="swatch"') == 2 and "<script" not in page
    assert month_of_traffic.client.business_name in page and other.client.business_name in page
    assert f"/billing/costs/{month_of_traffic.client_id}/" in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_markup_form_saves_and_rejects_nonsense(db, operator):
    client = operator
    assert client.post("/billing/costs/?month=2026-10", {"markup_percent": "-5"}).status_code == 400
    assert not BillingSettings.objects.exists()
    response = client.post("/billing/costs/?month=2026-10", {"markup_percent": "12.5"})
    assert response.status_code == 302 and response["Location"].endswith("month=2026-10")
    assert BillingSettings.current().markup_percent == Decimal("12.5")


def test_a_bad_month_is_a_form_error_and_a_csv_400(number, operator):
    api = operator
    response = api.get("/billing/costs/", {"month": "2026-13"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "The month must look like YYYY-MM." in response.content.decode()
    spanish = api.get("/billing/costs/", {"month": "2026-13"}, HTTP_ACCEPT_LANGUAGE="es")
    assert "El mes debe tener la forma AAAA-MM." in spanish.content.decode()
    assert "Costos de Meta por cliente" in spanish.content.decode()
    response = api.get(f"/billing/costs/{number.client_id}/2026-13.csv")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_month"
    assert api.get(f"/billing/costs/999999/{timezone.localdate():%Y-%m}.csv").status_code == 404
    for far in ("0001-01", "9999-12"):  # the page links the previous and next month: no date overflow
        assert api.get("/billing/costs/", {"month": far}).status_code == 400


def test_the_cost_pages_are_for_staff_only(number, client):
    month = timezone.localdate().strftime("%Y-%m")
    assert client.get("/billing/costs/").status_code == 302  # to the login page
    owner = MembershipFactory(client=number.client, role="owner").user
    client.force_login(owner)
    assert client.get("/billing/costs/").status_code == 403
    assert client.get(f"/billing/costs/{number.client_id}/{month}.csv").status_code == 403


def test_a_past_month_has_its_own_costs(number):
    rule("service", "0.01")
    last_month = (month_start() - timedelta(days=1)).replace(day=1)
    [message] = send_counted(number, 1)
    priced([message], "service")
    assert cost_report(month=last_month).lines == []
    assert cost_report(month=month_start()).total == Decimal("0.0100")


def test_a_template_is_priced_by_metas_category_before_the_settle_sweep(number):
    rule("utility", "0.0020")
    templates = send_counted(number, 4, kind="template", sent_by="agent")
    priced(templates, "utility")  # the status came after the count: the category settles at once
    [line] = cost_report(month=month_start()).lines
    assert (line.category, line.billable, line.unpriced, line.meta_cost) == ("utility", 4, 0, Decimal("0.0080"))
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.template_uncategorized, usage.template_utility) == (0, 4)
