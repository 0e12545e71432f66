"""Issue fixes seen in Debian's chromium at phone (390x844) and desktop (1366x900) size: every tab in reach,
the header keeps "log out" on one line, Spanish refusals and handoff reasons, no favicon 404, the "tú" login
error; every handoff reason and "Atendida por …" in Spanish, take over and hand back; the preview note, quality
and name review in Spanish; no monospace field; refused pages log no traceback; the Spanish 500 page; agents see
usage without money. Screenshots land in test-artifacts/portal/."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import assert_fields_use_the_page_font, phone_page
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


def _desktop_page(chromium):
    page = chromium.new_context(**DESKTOP, locale="es-CO").new_page()
    page.set_default_timeout(20_000)
    return page


# Every reason the pipeline stores (portal.templatetags.portal_extras.HANDOFF_REASONS) and its Spanish words.
SPANISH_REASONS = {
    "The customer asked for a person": "El cliente pidió hablar con una persona",
    "The assistant asked for a person": "El asistente pidió ayuda de una persona",
    "The customer sent an order": "El cliente envió un pedido",
    "The assistant had no answer in the knowledge base": (
        "El asistente no encontró la respuesta en la base de conocimiento"
    ),
    "Monthly free messages used up": "Se acabaron los mensajes gratis del mes",
    "The customer wrote over 24 hours ago; only templates can be sent": (
        "El cliente escribió hace más de 24 horas; solo se pueden enviar plantillas"
    ),
}


def test_thread_reasons_in_spanish_take_over_and_hand_back_on_a_desktop(live_server, chromium):
    from portal.templatetags.portal_extras import HANDOFF_REASONS
    from whatsapp.models import Conversation

    assert set(SPANISH_REASONS) == set(HANDOFF_REASONS)  # a new reason gets its Spanish words checked here too
    tenant = make_tenant("Panadería Uno")
    tenant.owner.first_name, tenant.owner.last_name = "Marta", "Gómez"
    tenant.owner.save()
    conversation = tenant.conversation
    page = _desktop_page(chromium)
    _log_in(page, live_server.url, tenant.owner.email)
    page.wait_for_selector("#tabs")
    thread = f"{live_server.url}/app/inbox/{conversation.pk}/"
    for stored, spanish in SPANISH_REASONS.items():
        Conversation.objects.filter(pk=conversation.pk).update(handoff_reason=stored, needs_attention=True)
        page.goto(thread)
        head = page.inner_text("#thread-head")
        assert spanish in head and stored not in head
    page.screenshot(path=str(ARTIFACTS / "22-thread-reason-desktop.png"), full_page=True)

    assert_fields_use_the_page_font(page)  # the send box, search and template fields
    page.click("#take-over")
    page.wait_for_selector("#hand-back")
    head = page.inner_text("#thread-head")
    assert "Atendida por Marta Gómez" in head and "Taken over" not in head
    assert "Responde una persona" in page.inner_text("#owner-badge")
    page.screenshot(path=str(ARTIFACTS / "23-thread-taken-over-desktop.png"), full_page=True)

    page.click("#hand-back")  # back to the assistant, in the browser
    page.wait_for_selector("#take-over")
    assert "Responde el asistente" in page.inner_text("#owner-badge")
    assert "Atendida por" not in page.inner_text("#thread-head")
    conversation.refresh_from_db()
    assert (conversation.owner, conversation.needs_attention, conversation.handoff_reason) == ("ai", False, "")
    page.screenshot(path=str(ARTIFACTS / "24-thread-handed-back-desktop.png"), full_page=True)
    page.context.close()


def test_preview_note_quality_name_review_and_templates_in_spanish_and_no_monospace_field(live_server, chromium):
    tenant = make_tenant("Panadería Uno")
    number = tenant.number
    number.quality_rating, number.display_name, number.name_status = "GREEN", "Panadería Uno", "APPROVED"
    number.save()
    page = phone_page(chromium)
    _log_in(page, live_server.url, tenant.owner.email)
    page.wait_for_selector("#tabs")

    page.goto(f"{live_server.url}/app/assistant/")
    page.fill("#id_message", "Quiero hablar con una persona, por favor")
    page.click("#preview-form button[type=submit]")
    page.wait_for_selector("#preview-handoff[data-handoff=true]")
    note = page.inner_text("#preview-handoff")
    assert "Este mensaje se pasaría a una persona. (El cliente pidió hablar con una persona)" in note
    assert "customer" not in note
    page.fill("#id_message", "¿Venden repuestos para moto?")
    page.click("#preview-form button[type=submit]")
    page.wait_for_selector("#preview-handoff[data-handoff=true]")
    assert "(El asistente no encontró la respuesta en la base de conocimiento)" in page.inner_text("#preview-handoff")
    page.screenshot(path=str(ARTIFACTS / "25-preview-note-phone.png"), full_page=True)
    assert_fields_use_the_page_font(page)  # the preview's textarea, the persona and knowledge forms

    page.goto(f"{live_server.url}/app/numbers/")
    card = page.inner_text("main")
    assert "Calidad\tAlta" in card or "Calidad\nAlta" in card
    assert "(aprobado)" in card and "GREEN" not in card and "APPROVED" not in card
    page.screenshot(path=str(ARTIFACTS / "26-numbers-quality-phone.png"), full_page=True)

    # The thread's approved templates (window closed): Meta's category in Spanish, no status word at all.
    from tests.portal.conftest import open_conversation
    from whatsapp.models import MessageTemplate

    closed = open_conversation(number, hours_ago=30, name="Luis")
    for name, category in (("recordatorio_cita", "UTILITY"), ("promo_semana", "MARKETING")):
        MessageTemplate.objects.create(
            waba_id=number.waba_id, client=tenant.client, name=name, language="es", category=category, status="APPROVED"
        )
    page.goto(f"{live_server.url}/app/inbox/{closed.pk}/")
    if page.get_attribute("#template-box", "open") is None:
        page.click("#template-box summary")
    listed = page.inner_text("#approved-templates")
    assert "recordatorio_cita" in listed and "Utilidad" in listed and "Marketing" in listed
    assert not any(word in listed for word in ("UTILITY", "MARKETING", "APPROVED", "aprobado)"))
    page.screenshot(path=str(ARTIFACTS / "26-thread-templates-phone.png"), full_page=True)
    page.context.close()


@pytest.fixture
def server_log():
    """What the product's console log handler (the one `make run` and production print) writes during the test."""
    import io
    import logging

    from core.logging import RefusalsWithoutTraceback

    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RefusalsWithoutTraceback) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_refused_pages_log_no_traceback_and_the_500_page_is_spanish(live_server, chromium, settings, server_log):
    settings.ROOT_URLCONF = "tests.portal.server_error_urls"  # the product's URLs plus one that fails
    tenant, other = make_tenant("Panadería Uno"), make_tenant("Ferretería Dos")
    page = _desktop_page(chromium)
    page_errors, console_errors = [], []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    _log_in(page, live_server.url, tenant.agent.email)
    page.wait_for_selector("#tabs")

    refused = {
        "/app/settings/api-keys/": 403,  # owners only
        "/app/settings/team/": 403,
        f"/app/inbox/{other.conversation.pk}/": 404,  # another client's conversation
        "/app/inbox/999999999/": 404,
        "/no-such-page/": 404,
    }
    for path, status in refused.items():
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == status
        assert page.get_attribute("#error-page", "data-status") == str(status)
        assert page.locator("html").get_attribute("lang") == "es"
        assert page.locator("a.button", has_text="Ir al inicio").count() == 1  # a way on
    page.screenshot(path=str(ARTIFACTS / "27-not-found-desktop.png"), full_page=True)

    log = server_log.getvalue()
    for path, status in refused.items():
        assert path in log  # each refusal keeps its one warning line…
    assert "Traceback" not in log and "PermissionDenied" not in log and "Http404" not in log  # …and no traceback
    assert page_errors == []  # no script failed on any refused page
    assert all(text.startswith("Failed to load resource") for text in console_errors), console_errors

    response = page.goto(f"{live_server.url}/test-only/server-error/")
    assert response.status == 500
    assert page.get_attribute("#error-page", "data-status") == "500"
    assert page.locator("html").get_attribute("lang") == "es"
    assert "Algo salió mal de nuestro lado" in page.inner_text("h1")
    assert "No es tu culpa" in page.inner_text("#error-page")
    assert "Server Error" not in page.content()
    page.screenshot(path=str(ARTIFACTS / "28-server-error-desktop.png"), full_page=True)
    page.click("#error-page a.button")  # "Ir al inicio" leads back into the portal
    page.wait_for_selector("#tabs")
    assert page.url == f"{live_server.url}/app/"
    assert "Traceback" in server_log.getvalue()  # a real error keeps its traceback for whoever fixes it
    page.context.close()


def test_agents_see_usage_without_money_owners_with_the_estimated_cost(live_server, chromium):
    from decimal import Decimal

    from ai.models import AiReplyLog

    tenant = make_tenant("Panadería Uno")
    AiReplyLog.objects.create(
        client=tenant.client, source=AiReplyLog.Source.PREVIEW, provider="openai", estimated_cost=Decimal("0.0123")
    )
    page = phone_page(chromium)
    _log_in(page, live_server.url, tenant.agent.email)
    page.wait_for_selector("#tabs")
    page.click("#nav-usage")
    page.wait_for_selector("#usage-previews")
    assert page.inner_text("#preview-count") == "1"  # the counts an agent works with…
    text = page.inner_text("main")
    assert page.locator("#preview-cost").count() == 0 and "USD" not in text and "Costo" not in text  # …no money
    page.screenshot(path=str(ARTIFACTS / "29-usage-agent-phone.png"), full_page=True)
    page.context.close()

    page = phone_page(chromium)
    _log_in(page, live_server.url, tenant.owner.email)
    page.wait_for_selector("#tabs")
    page.goto(f"{live_server.url}/app/usage/")
    assert page.inner_text("#preview-cost") == "0,0123"
    page.context.close()
