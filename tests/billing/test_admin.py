"""Usage in the back office: every billing page opens, and the counters cannot be edited by hand."""

import pytest

from billing.models import PriceRule, UsageAlert, UsagePeriod
from tests.billing.support import send_counted
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_billing_admin_pages_open(admin_client, number):
    number.monthly_free_messages = 2
    number.save()
    send_counted(number, 2)
    period = UsagePeriod.objects.get(number=number)
    alert = UsageAlert.objects.first()
    for url in (
        "/admin/billing/usageperiod/",
        f"/admin/billing/usageperiod/{period.pk}/change/",
        "/admin/billing/usagealert/",
        f"/admin/billing/usagealert/{alert.pk}/change/",
        "/admin/billing/pricerule/",
        "/admin/billing/pricerule/add/",
        "/admin/billing/billingsettings/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_counters_are_read_only(admin_client, number):
    send_counted(number, 3)
    period = UsagePeriod.objects.get(number=number)
    admin_client.post(f"/admin/billing/usageperiod/{period.pk}/change/", {"service_messages": 0, "allowance": 5})
    period.refresh_from_db()
    assert (period.service_messages, period.allowance) == (3, 1000)


def test_a_price_rule_with_a_bad_country_code_is_a_form_error(admin_client):
    response = admin_client.post(
        "/admin/billing/pricerule/add/",
        {"country_code": "+57", "category": "service", "price_usd": "0.01", "effective_from": "2026-01-01"},
    )
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not PriceRule.objects.exists()
