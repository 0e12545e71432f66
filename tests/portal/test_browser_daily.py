"""Issue 12, items 4, 5 and 7, in Debian's chromium: the phone's tab row scrolls with a hint, a forgotten password
is reset by e-mail (also by an owner who left onboarding before choosing one, who then resumes it), and the
operator's dashboard hides abandoned sign-ups behind a filter. Screenshots land in test-artifacts/portal/."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone

from onboarding.services import register_client
from tenants.models import Client
from tests.browser import phone_page, wait_until
from tests.factories import UserFactory
from tests.portal.conftest import PASSWORD, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


@pytest.fixture(autouse=True)
def _artifacts():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)


def log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")


def hint(page, side: str) -> str:
    """What the tab row's edge shows on `side` ("before": left, "after": right); "none" when hidden."""
    return page.evaluate(f"getComputedStyle(document.getElementById('tabs-wrap'), '::{side}').display")


def test_the_phone_tab_row_scrolls_with_a_hint_and_opens_on_the_current_tab(live_server, chromium):
    tenant = make_tenant("Panadería Doña Marta de la Esquina del Parque")
    page = phone_page(chromium)
    log_in(page, live_server.url, tenant.owner.email)
    page.wait_for_selector("#tabs")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    last = page.locator("#tabs a").last
    assert last.bounding_box()["x"] + last.bounding_box()["width"] > width  # off to the right…
    assert (hint(page, "after"), hint(page, "before")) == ("flex", "none")  # …and the chevron says so
    page.screenshot(path=str(ARTIFACTS / "40-tabs-start-phone.png"))

    page.eval_on_selector("#tabs", "el => el.scrollBy(1000, 0)")
    wait_until(page, "document.getElementById('tabs-wrap').classList.contains('more-left')")
    box = last.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    assert (hint(page, "after"), hint(page, "before")) == ("none", "flex")

    page.goto(f"{live_server.url}/app/settings/api-keys/")  # a page far right starts with its tab in view
    current = page.locator("#tabs a.on").bounding_box()
    assert current["x"] >= 0 and current["x"] + current["width"] <= width
    page.screenshot(path=str(ARTIFACTS / "41-tabs-current-phone.png"))
    page.context.close()


def _reset_link() -> str:
    assert len(mail.outbox) == 1
    return re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_password_reset_by_email_end_to_end(live_server, chromium, settings, size):
    settings.PUBLIC_BASE_URL = live_server.url
    tenant = make_tenant("Panadería Uno")
    page = phone_page(chromium) if size == "phone" else chromium.new_context(**DESKTOP, locale="es-CO").new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.click("#forgot-password")
    assert "¿Olvidaste tu contraseña?" in page.inner_text("h1")
    page.fill("#id_email", tenant.agent.email.upper())
    page.click("#password-reset-form button[type=submit]")
    page.wait_for_selector("#password-reset-sent")
    assert "Revisa tu correo" in page.inner_text("h1")
    assert "contraseña nueva" in mail.outbox[0].subject
    page.screenshot(path=str(ARTIFACTS / f"42-reset-sent-{size}.png"), full_page=True)

    link = _reset_link()
    page.goto(link)
    page.wait_for_selector("#password-set-form")
    assert "Elige una contraseña nueva" in page.inner_text("h1")
    page.fill("#id_new_password1", "pan-de-bono-2027")
    page.fill("#id_new_password2", "pan-de-bono-2026")
    page.click("#password-set-form button[type=submit]")
    assert page.locator("#password-set-form .error").count() >= 1  # the two do not match: said on the page
    page.screenshot(path=str(ARTIFACTS / f"42-reset-mismatch-{size}.png"), full_page=True)
    page.fill("#id_new_password1", "pan-de-bono-2027")
    page.fill("#id_new_password2", "pan-de-bono-2027")
    page.click("#password-set-form button[type=submit]")
    page.wait_for_selector("#password-reset-complete")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing overflows at either size
    page.screenshot(path=str(ARTIFACTS / f"42-reset-done-{size}.png"), full_page=True)
    page.click("#go-to-login")
    log_in(page, live_server.url, tenant.agent.email, "pan-de-bono-2027")
    page.wait_for_selector("#tabs")

    page.goto(link)  # a used link is refused in words, with a way to ask again
    assert "Este enlace ya no funciona" in page.inner_text("#password-link-invalid")
    page.context.close()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(live_server, chromium):
    page = phone_page(chromium)
    page.goto(f"{live_server.url}/accounts/password-reset/")
    page.fill("#id_email", "nadie@example.com")
    page.click("#password-reset-form button[type=submit]")
    page.wait_for_selector("#password-reset-sent")
    assert mail.outbox == []
    page.context.close()


def test_an_owner_who_left_before_choosing_a_password_resets_it_and_resumes_onboarding(live_server, chromium, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    client, _ = register_client(name="Luis Gómez", email="luis@example.com", business_name="Taller Luis")
    page = phone_page(chromium)
    page.goto(f"{live_server.url}/accounts/password-reset/")
    page.fill("#id_email", "luis@example.com")
    page.click("#password-reset-form button[type=submit]")
    page.wait_for_selector("#password-reset-sent")
    page.goto(_reset_link())
    page.fill("#id_new_password1", "taller-luis-2026")
    page.fill("#id_new_password2", "taller-luis-2026")
    page.click("#password-set-form button[type=submit]")
    page.wait_for_selector("#password-reset-complete")

    log_in(page, live_server.url, "luis@example.com", "taller-luis-2026")
    page.wait_for_selector("#resume-onboarding")
    page.screenshot(path=str(ARTIFACTS / "43-resume-phone.png"), full_page=True)
    page.click("#resume-onboarding button[type=submit]")
    page.wait_for_selector("#choose-hosted")  # back at the step where they left
    assert Client.objects.get(pk=client.pk).status == Client.Status.ONBOARDING
    page.context.close()


def test_the_dashboard_hides_abandoned_sign_ups_behind_a_filter(live_server, chromium):
    make_tenant("Panadería Uno")
    register_client(name="Ana", email="ana@example.com", business_name="Recién Llegada")
    old, _ = register_client(name="Eva", email="eva@example.com", business_name="Abandonada Hace Tiempo")
    Client.objects.filter(pk=old.pk).update(setup_code_expires_at=timezone.now() - timedelta(days=1))
    UserFactory(email="op@example.com", username="op@example.com", password=PASSWORD, is_staff=True)

    context = chromium.new_context(**DESKTOP, locale="es-CO")
    page = context.new_page()
    log_in(page, live_server.url, "op@example.com")
    page.goto(f"{live_server.url}/dashboard/")
    table = page.inner_text("#clients-table")
    assert "Recién Llegada" in table and "En configuración" in table  # still onboarding, not 'Alta'
    assert "Abandonada Hace Tiempo" not in table
    assert page.inner_text("#total-clients strong") == "2"
    assert "1 registro abandonado oculto" in page.inner_text("#abandoned-filter")
    assert page.is_visible("#daily-per-client details[open] svg.chart.daily")  # the first client's 30 days
    page.screenshot(path=str(ARTIFACTS / "44-dashboard-desktop.png"), full_page=True)

    page.click("#show-abandoned")
    page.wait_for_selector("#hide-abandoned")
    assert "Abandonada Hace Tiempo" in page.inner_text(f"#clients-table tr[data-client='{old.pk}']")
    assert "abandonado" in page.inner_text(f"#clients-table tr[data-client='{old.pk}']")
    assert page.inner_text("#total-clients strong") == "3"
    assert page.goto(f"{live_server.url}/dashboard/?show=everything").status == 400
    context.close()


def test_usage_shows_messages_per_day_and_when_the_allowance_runs_out(live_server, chromium):
    from tests.factories import MessageFactory

    tenant = make_tenant("Panadería Uno")
    for _ in range(3):
        MessageFactory(conversation=tenant.conversation, direction="out", sent_by="ai", status="sent")
    MessageFactory(conversation=tenant.conversation, direction="out", sent_by="agent", status="sent")
    page = phone_page(chromium)
    log_in(page, live_server.url, tenant.owner.email)
    page.goto(f"{live_server.url}/app/usage/")
    card = page.locator(f"#usage-{tenant.number.pk}")
    chart = card.locator("svg.chart.daily")
    box = chart.bounding_box()
    assert box["width"] > 300 and box["x"] + box["width"] <= 390  # the whole month fits a phone
    titles = chart.locator("rect title").all_text_contents()
    assert any("Respuestas de la IA: 3" in t for t in titles) and any("Respuestas de agentes: 1" in t for t in titles)
    assert "Al ritmo de este mes" in card.inner_text()
    page.screenshot(path=str(ARTIFACTS / "45-usage-daily-phone.png"), full_page=True)
    page.context.close()


def test_team_invite_by_email_and_join_on_a_phone(live_server, chromium, settings):
    settings.PUBLIC_BASE_URL = live_server.url
    tenant = make_tenant("Panadería Uno")
    context = chromium.new_context(**DESKTOP, locale="es-CO")
    page = context.new_page()
    log_in(page, live_server.url, tenant.owner.email)
    page.click("#nav-team")
    page.fill("#id_email", "lucia@example.com")
    page.select_option("#id_role", "agent")
    page.click("#invite-form button[type=submit]")
    page.wait_for_selector("#invitations li")
    assert "lucia@example.com" in page.inner_text("#invitations")
    page.screenshot(path=str(ARTIFACTS / "46-team-desktop.png"), full_page=True)
    context.close()

    link = re.search(r"https?://\S+/accounts/join/\S+/", mail.outbox[-1].body).group(0)
    phone = phone_page(chromium)
    phone.goto(link)
    assert "Únete a Panadería Uno" in phone.inner_text("h1")
    phone.fill("#id_name", "Lucía Gómez")
    phone.fill("#id_password", "pan-y-cafe-2026")
    phone.click("#join-form button[type=submit]")
    phone.wait_for_selector("#tabs")
    assert "Te damos la bienvenida al equipo de Panadería Uno" in phone.inner_text("main")
    tabs = phone.locator("#tabs a").all_text_contents()
    assert any("Bandeja" in t for t in tabs) and not any(t in ("Equipo", "Claves de API") for t in tabs)
    phone.screenshot(path=str(ARTIFACTS / "47-joined-phone.png"), full_page=True)
    phone.goto(link)
    assert "Esta invitación ya no funciona" in phone.inner_text("h1")
    phone.context.close()
