"""Every main page works in Debian's chromium under the Content-Security-Policy, with no violation at all.

The policy (crm/settings.py, docs/security.md) forbids inline scripts and styles, so a template that slips
one in shows here as a `securitypolicyviolation` event or a CSP console message; each page is also checked
for doing its job (Swagger UI lists the operations, the onboarding flow reaches the live page, …).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.test import Client as DjangoClient

from billing.models import PriceRule
from billing.services import usage_record_pricing
from tests.billing.support import send_counted
from tests.browser import phone_page
from tests.factories import MembershipFactory, UserFactory
from tests.onboarding.conftest import new_phone
from tests.portal.conftest import PASSWORD
from tests.support import customer_writes
from whatsapp.models import Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script: every violation the browser reports is kept on the window.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  var where = e.sourceFile + ":" + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + where);
});
"""


class Watched:
    """A phone page that records CSP console messages, page errors and violation events."""

    def __init__(self, browser):
        self.page = phone_page(browser)
        self.page.context.add_init_script(RECORD_VIOLATIONS)
        self.console: list[str] = []
        self.errors: list[str] = []
        self.page.on("console", self._on_console)
        self.page.on("pageerror", lambda error: self.errors.append(f"{self.page.url}: {error}"))
        self.seen: list[str] = []

    def _on_console(self, message) -> None:
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def visit(self, url: str, ready: str) -> None:
        """Open `url`, wait for the selector that shows the page did its job, and collect its violations."""
        response = self.page.goto(url)
        assert response is not None and response.status < 400, (url, response and response.status)
        assert response.headers.get("content-security-policy"), url
        self.page.wait_for_selector(ready)
        self.collect()

    def collect(self) -> None:
        self.page.wait_for_load_state("networkidle")
        self.seen.append(self.page.url)
        self.console += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__cspViolations || []")]

    def assert_clean(self) -> None:
        assert self.console == [], "\n".join(self.console)
        assert self.errors == [], "\n".join(self.errors)

    def use_session_of(self, user, base_url: str) -> None:
        django_client = DjangoClient()
        django_client.force_login(user)
        cookie = django_client.cookies[settings.SESSION_COOKIE_NAME].value
        self.page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": base_url}])


@pytest.fixture
def watched(chromium):
    page = Watched(chromium)
    yield page
    page.page.context.close()


def test_portal_pages_run_under_the_policy(sandbox_live, number, watched):
    owner = MembershipFactory(client=number.client, user__password=PASSWORD).user
    customer_writes(sandbox_live, number, "Hola, ¿abren hoy?", profile_name="Ana Gómez")
    conversation = Conversation.objects.get(client=number.client)

    watched.visit(f"{sandbox_live}/accounts/password-reset/", "form")
    watched.visit(f"{sandbox_live}/accounts/login/", "#login-form")
    watched.page.fill("#id_username", owner.email)
    watched.page.fill("#id_password", PASSWORD)
    watched.page.click("#login-form button[type=submit]")
    watched.page.wait_for_selector("#stat-needs-person")
    watched.collect()
    watched.visit(f"{sandbox_live}/app/inbox/", f"[data-conversation='{conversation.pk}']")
    watched.visit(f"{sandbox_live}/app/inbox/{conversation.pk}/", "#mark-converted")
    watched.page.click("#mark-converted")  # a form post and the page it comes back to
    watched.page.wait_for_selector("#converted-badge")
    watched.collect()
    watched.visit(f"{sandbox_live}/app/assistant/", "form")
    watched.visit(f"{sandbox_live}/app/numbers/", "svg")
    watched.visit(f"{sandbox_live}/app/usage/", "main")
    watched.visit(f"{sandbox_live}/app/settings/api-keys/", "main")
    watched.visit(f"{sandbox_live}/app/settings/webhooks/", "main")
    watched.visit(f"{sandbox_live}/app/settings/activity/", "main")
    watched.page.click("button[data-lang=en]")  # the language switch posts a form and comes back
    watched.page.wait_for_selector("html[lang=en]")
    watched.collect()
    watched.assert_clean()


def test_operator_pages_run_under_the_policy(sandbox_live, number, watched):
    PriceRule.objects.create(
        category="service", country_code="*", price_usd=Decimal("0.0125"), effective_from="2026-01-01"
    )
    for message in send_counted(number, 3):
        usage_record_pricing(message_id=message.pk, pricing_category="service", pricing_type="regular", billable=True)
    watched.use_session_of(UserFactory(is_staff=True, is_superuser=True), sandbox_live)

    watched.visit(f"{sandbox_live}/dashboard/", "main")
    watched.visit(f"{sandbox_live}/billing/costs/", "svg rect")
    assert watched.page.locator(".legend .swatch rect").count() >= 4  # the colour swatches are drawn
    watched.visit(f"{sandbox_live}/onboarding/capacity/", "main")
    watched.visit(f"{sandbox_live}/admin/", "#content")
    watched.visit(f"{sandbox_live}/admin/tenants/client/", "#result_list")
    watched.assert_clean()


def test_api_docs_list_the_operations_under_the_policy(live_server, watched):
    watched.visit(f"{live_server.url}/api/docs/", ".opblock")
    operations = watched.page.locator(".opblock").count()
    assert operations > 20, operations
    assert watched.page.locator('.opblock-summary-path[data-path="/api/clients/register"]').count() == 1
    watched.assert_clean()


def test_sandbox_pages_run_under_the_policy(sandbox_live, number, watched):
    watched.visit(f"{sandbox_live}/sandbox/", "body")
    watched.visit(f"{sandbox_live}/sandbox/embedded-signup/?client=Tienda", "form")
    watched.assert_clean()


def test_signup_and_onboarding_run_under_the_policy(sandbox_live, watched):
    page = watched.page
    phone = new_phone()
    watched.visit(f"{sandbox_live}/signup/", "#signup-form")
    page.fill("#id_name", "Ana Pérez")
    page.fill("#id_email", "ana@example.com")
    page.fill("#id_business_name", "Panadería Ana")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#choose-hosted")
    assert page.locator(".qr svg").count() == 1
    watched.collect()

    watched.visit(f"{sandbox_live}/onboarding/connect/", "#es-start")
    # The sandbox's stand-in for Meta's popup opens from the page's script.
    with page.expect_popup() as popup_info:
        page.click("#es-start")
    popup = popup_info.value
    popup.wait_for_load_state()
    popup.close()
    watched.collect()

    watched.visit(f"{sandbox_live}/onboarding/hosted/", "#hosted-form")
    page.fill("#id_phone_number", phone)
    page.click("#hosted-form button[type=submit]")
    page.wait_for_selector("#verify-form")
    watched.collect()
    code = requests.get(f"{sandbox_live}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    page.fill("#id_code", code)
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#business-form")
    watched.collect()
    page.fill("#id_business_description", "Pan artesanal y tortas por encargo.")
    page.click("#business-form button[type=submit]")
    page.wait_for_selector("#live-number")
    assert page.locator("#chat-qr svg").count() == 1
    watched.collect()
    watched.assert_clean()
