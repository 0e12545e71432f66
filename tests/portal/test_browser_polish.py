"""Issue fixes seen in Debian's chromium at phone (390x844) and desktop (1366x900) size: every tab in reach,
the header keeps "log out" on one line, Spanish refusals and handoff reasons, no favicon 404, the "tú" login
error. Screenshots land in test-artifacts/portal/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import phone_page
from tests.portal.conftest import PASSWORD, make_tenant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"
DESKTOP = {"viewport": {"width": 1366, "height": 900}}


def _log_in(page, base: str, email: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_tabs_header_refusals_and_reasons(live_server, chromium, size):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    tenant = make_tenant("Panadería Doña Marta de la Esquina del Parque")
    tenant.conversation.handoff_reason = "The customer asked for a person"
    tenant.conversation.needs_attention = True
    tenant.conversation.save()
    desktop = chromium.new_context(**DESKTOP, locale="es-CO") if size == "desktop" else None
    page = desktop.new_page() if desktop else phone_page(chromium)
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    _log_in(page, live_server.url, tenant.agent.email, password="wrong-password")
    assert "no coinciden" in page.inner_text("#login-form")  # "tú" copy, not Django's formal Spanish
    _log_in(page, live_server.url, tenant.agent.email)
    page.wait_for_selector("#tabs")
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # the page itself never scrolls sideways
    if size == "desktop":  # every tab is on screen
        for tab in page.locator("#tabs a").all():
            box = tab.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= width
    else:  # one row that scrolls, with a hint at the edge that hides the rest (tests/portal/test_browser_daily.py)
        assert "more-right" in page.get_attribute("#tabs-wrap", "class")
    logout = page.locator("#logout").bounding_box()
    assert logout["height"] < 30  # "Cerrar sesión" stays on one line
    assert page.locator("#nav-inbox .count").inner_text() == "1"
    page.screenshot(path=str(ARTIFACTS / f"20-home-{size}.png"), full_page=True)

    page.goto(f"{live_server.url}/app/inbox/{tenant.conversation.pk}/")
    assert "El cliente pidió hablar con una persona" in page.inner_text("#thread-head")

    response = page.goto(f"{live_server.url}/app/settings/api-keys/")  # agents may not see API keys
    assert response.status == 403
    assert "No puedes abrir esta página" in page.inner_text("#error-page")
    page.screenshot(path=str(ARTIFACTS / f"21-forbidden-{size}.png"), full_page=True)
    assert not [url for url in missing if "favicon" in url]
    page.context.close()
