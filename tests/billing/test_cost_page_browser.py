"""The operator's cost page in Debian's chromium on a phone (390 px, Spanish): the bars are drawn with real
widths (a localized decimal comma in an SVG attribute would draw nothing), and the CSV link downloads.
A screenshot lands in test-artifacts/billing/ (gitignored)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from billing.models import PriceRule
from billing.services import usage_record_pricing
from tests.billing.support import send_counted
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "billing"


@pytest.fixture
def browser(chromium):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return chromium


def test_operator_sees_cost_bars_on_a_phone_and_downloads_the_csv(live_server, browser, number):
    PriceRule.objects.create(
        category="service", country_code="*", price_usd=Decimal("0.0125"), effective_from="2026-01-01"
    )
    messages = send_counted(number, 8)
    for message in messages:  # Meta's status brought the pricing block
        usage_record_pricing(message_id=message.pk, pricing_category="service", pricing_type="regular", billable=True)
    operator = Client()
    operator.force_login(UserFactory(is_staff=True))  # the login page belongs to the portal; the session is what counts

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="es-CO", accept_downloads=True
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": operator.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/billing/costs/")
    page.wait_for_selector("svg rect")

    assert "Costos de Meta por cliente" in page.content()
    widths = page.eval_on_selector_all(
        "svg:not(.swatch) rect", "rects => rects.map(r => r.getBoundingClientRect().width)"
    )
    assert len(widths) == 2 and all(w > 300 for w in widths)  # the only client's bars span the phone's width
    page.screenshot(path=str(ARTIFACTS / "costs-phone.png"), full_page=True)

    with page.expect_download() as download:
        page.click(f"a[href*='/billing/costs/{number.client_id}/']")
    text = Path(download.value.path()).read_text()
    assert text.startswith("section,month,client_id")
    assert "0.1000" in text  # 8 × 0.0125 USD
