"""Issue 12's accessibility pass: axe-core inside the page, in Debian's chromium at phone (390x844) and desktop
(1366x900) size, finds no serious or critical violation on the onboarding pages, the inbox (desktop split view
and phone), the team invite and join pages, the password reset pages and the operator's dashboard (with its costs
and capacity pages and the 404 page). Screenshots and axe's full reports land in test-artifacts/a11y/."""

from __future__ import annotations

import re

import pytest
import requests
from django.core import mail

from onboarding.services import register_client
from tests.a11y.axe import A11Y_CONTEXT, assert_accessible
from tests.browser import phone_page
from tests.factories import MembershipFactory, UserFactory
from tests.onboarding.conftest import new_phone
from tests.portal.conftest import PASSWORD, make_tenant
from tests.support import customer_writes
from whatsapp.models import Conversation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"viewport": {"width": 1366, "height": 900}, "locale": "es-CO", **A11Y_CONTEXT}


def desktop_page(chromium):
    page = chromium.new_context(**DESKTOP).new_page()
    page.set_default_timeout(20_000)
    return page


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("main")


def test_onboarding_pages_on_a_phone(sandbox_live, chromium):
    page = phone_page(chromium, **A11Y_CONTEXT)
    phone = new_phone()
    page.goto(f"{sandbox_live}/signup/")
    assert_accessible(page, "onboarding-01-signup-phone")
    page.click("#signup-form button[type=submit]")  # empty: the errors are announced and labelled
    page.wait_for_selector("#signup-form .error")
    assert_accessible(page, "onboarding-01-signup-errors-phone")
    page.fill("#id_name", "Ana Pérez")
    page.fill("#id_email", "ana@example.com")
    page.fill("#id_business_name", "Panadería Ana")
    page.click("#signup-form button[type=submit]")
    page.wait_for_selector("#choose-hosted")
    assert_accessible(page, "onboarding-02-choose-phone")
    page.click("#choose-hosted")
    page.wait_for_selector("#hosted-form")
    assert_accessible(page, "onboarding-03-number-phone")
    page.fill("#id_phone_number", phone)
    page.click("#hosted-form button[type=submit]")
    page.wait_for_selector("#verify-form")
    assert_accessible(page, "onboarding-04-code-phone")
    code = requests.get(f"{sandbox_live}/sandbox/api/otp", params={"phone_number": phone}, timeout=10).json()["code"]
    page.fill("#id_code", code)
    page.click("#verify-form button[type=submit]")
    page.wait_for_selector("#business-form")
    assert_accessible(page, "onboarding-05-business-phone")
    page.fill("#id_business_description", "Pan artesanal y domicilios en el barrio.")
    page.click("#business-form button[type=submit]")
    page.wait_for_selector("#live-number")
    assert_accessible(page, "onboarding-06-live-phone")
    page.click("button[data-lang=en]")
    page.wait_for_selector("#live-number")
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "onboarding-07-live-en-phone")
    page.context.close()


def test_inbox_desktop_split_view_and_phone(sandbox_live, number, chromium):
    owner = MembershipFactory(client=number.client, user__password=PASSWORD).user
    customer_writes(sandbox_live, number, "Hola, ¿tienen pan integral?", sender="+573001112233", profile_name="Ana")
    customer_writes(sandbox_live, number, "Quiero hablar con un asesor", sender="+573004445566", profile_name="Luis")
    luis = Conversation.objects.get(contact__wa_id="573004445566")

    page = desktop_page(chromium)
    page.goto(f"{sandbox_live}/accounts/login/")
    assert_accessible(page, "login-desktop")
    log_in(page, sandbox_live, owner.email)
    assert_accessible(page, "home-desktop")
    page.goto(f"{sandbox_live}/app/inbox/")
    page.wait_for_selector("#conversation-list a.conv")
    assert_accessible(page, "inbox-list-desktop")
    page.click(f"#conversation-list [data-conversation='{luis.pk}']")
    page.wait_for_selector("#side-list")
    assert page.is_visible("#inbox-side") and page.is_visible("#messages")  # the split view
    assert_accessible(page, "inbox-thread-split-desktop")
    page.context.close()

    page = phone_page(chromium, **A11Y_CONTEXT)
    log_in(page, sandbox_live, owner.email)
    page.goto(f"{sandbox_live}/app/inbox/")
    page.wait_for_selector("#conversation-list a.conv")
    assert_accessible(page, "inbox-list-phone")
    page.click(f"#conversation-list [data-conversation='{luis.pk}']")
    page.wait_for_selector("#messages")
    assert_accessible(page, "inbox-thread-phone")
    page.context.close()


def test_team_invite_and_join_pages(live_server, chromium, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    tenant = make_tenant("Panadería Uno")
    page = desktop_page(chromium)
    log_in(page, live_server.url, tenant.owner.email)
    page.goto(f"{live_server.url}/app/settings/team/")
    assert_accessible(page, "team-desktop")
    page.fill("#id_email", "lucia@example.com")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector("#invitations li")
    assert_accessible(page, "team-invited-desktop")
    page.context.close()

    link = re.search(r"https?://\S+/accounts/join/\S+/", mail.outbox[-1].body).group(0)
    phone = phone_page(chromium, **A11Y_CONTEXT)
    phone.goto(link)
    phone.wait_for_selector("#join-form")
    assert_accessible(phone, "team-join-phone")
    phone.context.close()


def test_password_reset_pages_on_a_phone(live_server, chromium, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    tenant = make_tenant("Panadería Uno")
    page = phone_page(chromium, **A11Y_CONTEXT)
    page.goto(f"{live_server.url}/accounts/password-reset/")
    assert_accessible(page, "reset-01-form-phone")
    page.fill("#id_email", tenant.agent.email)
    page.click("#password-reset-form button[type=submit]")
    page.wait_for_selector("#password-reset-sent")
    assert_accessible(page, "reset-02-sent-phone")
    link = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    page.wait_for_selector("#password-set-form")
    assert_accessible(page, "reset-03-choose-phone")
    page.fill("#id_new_password1", "pan-de-bono-2027")
    page.fill("#id_new_password2", "pan-de-bono-2026")
    page.click("#password-set-form button[type=submit]")
    page.wait_for_selector("#password-set-form .error")
    assert_accessible(page, "reset-03-choose-errors-phone")
    page.fill("#id_new_password1", "pan-de-bono-2027")
    page.fill("#id_new_password2", "pan-de-bono-2027")
    page.click("#password-set-form button[type=submit]")
    page.wait_for_selector("#password-reset-complete")
    assert_accessible(page, "reset-04-complete-phone")
    page.goto(link)
    page.wait_for_selector("#password-link-invalid")
    assert_accessible(page, "reset-05-used-link-phone")
    page.context.close()


def test_operator_dashboard_and_pages(live_server, chromium):
    make_tenant("Panadería Uno")
    register_client(name="Ana", email="ana@example.com", business_name="Recién Llegada")
    operator = UserFactory(email="op@example.com", username="op@example.com", password=PASSWORD, is_staff=True)
    page = desktop_page(chromium)
    log_in(page, live_server.url, operator.email)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#clients-table")
    assert_accessible(page, "dashboard-desktop")
    for path, name in (("/billing/costs/", "costs"), ("/onboarding/capacity/", "capacity")):  # the same layout
        assert page.goto(f"{live_server.url}{path}").status == 200
        assert_accessible(page, f"operator-{name}-desktop")
    assert page.goto(f"{live_server.url}/no-such-page/").status == 404  # the Spanish error page
    assert_accessible(page, "error-404-desktop")
    page.context.close()
    page = phone_page(chromium, **A11Y_CONTEXT)
    log_in(page, live_server.url, operator.email)
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#clients-table")
    assert_accessible(page, "dashboard-phone")
    page.context.close()


def test_the_check_itself_finds_violations(chromium):
    """The harness is not vacuous: a page with an unnamed image, input and button fails it, in words."""
    page = chromium.new_context(**A11Y_CONTEXT).new_page()
    page.set_content('<html><body><img src="x.png"><input type="text"><button></button></body></html>')
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "self-check")
    for rule in ("image-alt", "label", "button-name"):
        assert rule in str(failure.value)
    page.context.close()
