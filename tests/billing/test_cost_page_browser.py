"""The operator's cost page in Debian's chromium on a phone (390 px, Spanish): the bars are drawn with real
widths (a localized decimal comma in an SVG attribute would draw nothing), and the CSV link downloads. On a
desktop (1366x900) the costs and hosted-numbers pages share the operator's layout: tabs, the ES/EN switch and the
way back to the dashboard; a zero total beside billable messages is explained. Screenshots land in
test-artifacts/billing/ (gitignored)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from billing.models import PriceRule
from billing.services import usage_record_pricing
from core.phones import display_phone
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


def test_costs_and_capacity_pages_in_the_operator_layout_with_language_switch_and_way_back(
    live_server, browser, number
):
    """At 1366x900: both pages carry the operator's tabs (the current one marked), switch between Spanish and
    English in place, and lead back to the dashboard; billable messages with no price explain the zero total."""
    send_counted(number, 3)
    for message in send_counted(number, 4):  # billable by Meta, but the price table has no rule for them
        usage_record_pricing(message_id=message.pk, pricing_category="service", pricing_type="regular", billable=True)
    UserFactory(email="op@example.com", username="op@example.com", password="op-pass-2026", is_staff=True)
    page = browser.new_context(viewport={"width": 1366, "height": 900}, locale="es-CO").new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "op@example.com")
    page.fill("#id_password", "op-pass-2026")
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#clients-table")

    page.click("#nav-costs")
    page.wait_for_selector("#costs-total")
    assert page.get_attribute("#nav-costs", "aria-current") == "page"
    assert [t.strip() for t in page.locator("#tabs a").all_inner_texts()] == [
        "Panel",
        "Costos de Meta",
        "Números alojados",
        "Administración",
    ]
    # "Facturables 4" beside "Total a facturar: 0,0000 USD": the note right below the total says why.
    assert "Total a facturar: 0,0000 USD" in page.inner_text("#costs-total")
    note = page.inner_text("#unpriced-note")
    assert note.startswith("4 mensajes que Meta cobra aún no tienen precio") and "no suman al total" in note
    assert page.evaluate("document.getElementById('costs-total').nextElementSibling.id") == "unpriced-note"
    headers = page.locator("table thead th").all_inner_texts()
    row = page.locator("table tbody tr").first.locator("td").all_inner_texts()
    assert row[headers.index("Facturables")] == "4" and row[headers.index("Sin regla de precio")] == "4"
    assert row[headers.index("Número")] == display_phone(number.phone_number) != number.phone_number  # spaced out
    page.screenshot(path=str(ARTIFACTS / "costs-desktop.png"), full_page=True)

    page.click("button[data-lang=en]")  # the language switch, in place
    page.wait_for_selector("html[lang=en]")
    assert page.url.endswith("/billing/costs/")
    assert "Meta costs per client" in page.inner_text("h1")
    assert "4 messages that Meta bills have no price" in page.inner_text("#unpriced-note")

    page.click("#nav-capacity")
    page.wait_for_selector("#capacity")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hosted numbers in our WhatsApp account" in page.inner_text("h1")
    assert page.get_attribute("#nav-capacity", "aria-current") == "page"
    page.click("button[data-lang=es]")
    page.wait_for_selector("html[lang=es]")
    assert page.url.endswith("/onboarding/capacity/")
    assert "Números alojados en nuestra cuenta de WhatsApp" in page.inner_text("h1")
    page.screenshot(path=str(ARTIFACTS / "capacity-desktop.png"), full_page=True)

    page.click("#nav-dashboard")  # the way back
    page.wait_for_selector("#clients-table")
    assert page.url == f"{live_server.url}/dashboard/"
    assert number.client.business_name in page.inner_text("#clients-table")
    page.context.close()
