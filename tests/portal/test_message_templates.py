"""A client's message templates in the portal: the numbers page lists them with the status, category and quality
Meta last gave them (kept by the template webhooks), in the reader's language; the inbox's template picker shows
the category and quality too. Both read the local rows: a page request makes no Graph call."""

from __future__ import annotations

import re

import pytest
import responses

from tests.portal.conftest import open_conversation
from tests.whatsapp.test_number_health import field_payload
from whatsapp.models import MessageTemplate

pytestmark = pytest.mark.django_db


def template_row(html: str, template: MessageTemplate) -> str:
    found = re.search(rf'<li id="template-{template.pk}">(.*?)</li>', html, re.S)
    assert found, f"template {template.name} is not on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def templates_of(number, *specs) -> list[MessageTemplate]:
    """Templates of the number's WABA given to its client (in the operator's shared WABA, as the back office does)."""
    return [
        MessageTemplate.objects.create(waba_id=number.waba_id, client=number.client, language="es", **spec)
        for spec in specs
    ]


def test_the_numbers_page_shows_each_templates_category_status_and_quality_from_metas_webhooks(
    post_webhook, owner_client, tenant
):
    [cita] = templates_of(tenant.number, {"name": "aviso_cita", "category": "utility", "status": "PENDING"})
    base = {"message_template_id": 55, "message_template_name": "aviso_cita", "message_template_language": "es"}
    waba = tenant.number.waba_id
    post_webhook(field_payload(waba, "message_template_status_update", {**base, "event": "APPROVED"}))
    post_webhook(field_payload(waba, "message_template_quality_update", {**base, "new_quality_score": "YELLOW"}))
    post_webhook(field_payload(waba, "template_category_update", {**base, "new_category": "MARKETING"}))

    spanish = owner_client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert template_row(spanish, cita) == "aviso_cita es Categoría: Marketing · Estado: Aprobada · Calidad: Media"
    assert "Plantillas de mensaje (1)" in spanish
    english = owner_client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert template_row(english, cita) == "aviso_cita es Category: Marketing · Status: Approved · Quality: Medium"

    post_webhook(field_payload(waba, "message_template_quality_update", {**base, "new_quality_score": "RED"}))
    post_webhook(field_payload(waba, "template_category_update", {**base, "new_category": "UTILITY"}))
    post_webhook(field_payload(waba, "message_template_status_update", {**base, "event": "PAUSED"}))
    spanish = owner_client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert template_row(spanish, cita) == "aviso_cita es Categoría: Utilidad · Estado: Pausada · Calidad: Baja"
    assert "badge quality-red" in spanish


def test_every_category_and_quality_has_words_in_both_languages(owner_client, tenant):
    rows = templates_of(
        tenant.number,
        {"name": "codigo", "category": "authentication", "status": "REJECTED", "quality_score": "GREEN"},
        {"name": "nueva", "category": "utility", "status": "PENDING"},
    )
    spanish = owner_client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert [template_row(spanish, t) for t in rows] == [
        "codigo es Categoría: Autenticación · Estado: Rechazada · Calidad: Alta",
        "nueva es Categoría: Utilidad · Estado: En revisión · Calidad: Sin calificar todavía",
    ]
    english = owner_client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert [template_row(english, t) for t in rows] == [
        "codigo es Category: Authentication · Status: Rejected · Quality: High",
        "nueva es Category: Utility · Status: In review · Quality: Not rated yet",
    ]


def test_a_client_sees_only_its_own_templates_of_the_shared_waba(owner_client, tenant, other):
    [mine] = templates_of(tenant.number, {"name": "mine", "category": "utility", "status": "APPROVED"})
    [theirs] = templates_of(other.number, {"name": "theirs", "category": "marketing", "status": "APPROVED"})
    nobodys = MessageTemplate.objects.create(waba_id=tenant.number.waba_id, name="nobodys", language="es")
    assert tenant.number.waba_id == other.number.waba_id  # both hosted, in the operator's WABA

    html = owner_client.get("/app/numbers/").content.decode()
    assert f'id="template-{mine.pk}"' in html
    assert f'id="template-{theirs.pk}"' not in html and "theirs" not in html
    assert f'id="template-{nobodys.pk}"' not in html and "nobodys" not in html


def test_a_number_with_its_own_waba_shows_all_of_that_wabas_templates(owner_client, tenant):
    tenant.number.waba_id = "555000000000001"  # Embedded Signup: the client's own account
    tenant.number.save(update_fields=["waba_id"])
    own = MessageTemplate.objects.create(waba_id="555000000000001", name="bienvenida", language="es")
    elsewhere = MessageTemplate.objects.create(waba_id="555000000000002", name="ajena", language="es")

    html = owner_client.get("/app/numbers/").content.decode()
    assert f'id="template-{own.pk}"' in html
    assert f'id="template-{elsewhere.pk}"' not in html and "ajena" not in html


def test_the_inbox_template_picker_shows_category_and_quality_in_the_readers_language(owner_client, tenant):
    templates_of(
        tenant.number,
        {"name": "promo", "category": "marketing", "status": "APPROVED", "quality_score": "GREEN"},
        {"name": "aviso", "category": "utility", "status": "APPROVED", "quality_score": "RED"},
        {"name": "en_revision", "category": "utility", "status": "PENDING"},  # not sendable: not offered
    )
    closed = open_conversation(tenant.number, hours_ago=30)

    def picker(language: str) -> list[str]:
        html = owner_client.get(f"/app/inbox/{closed.pk}/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
        box = re.search(r'<ul class="templates" id="approved-templates">(.*?)</ul>', html, re.S).group(1)
        items = re.findall(r'<button type="button" class="template-pick"[^>]*>(.*?)</button>', box, re.S)
        return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", item)).strip() for item in items]

    assert picker("es") == ["aviso es Utilidad Calidad: Baja", "promo es Marketing Calidad: Alta"]
    assert picker("en") == ["aviso es Utility Quality: Low", "promo es Marketing Quality: High"]


def test_portal_pages_and_the_api_read_templates_without_calling_graph(owner_client, tenant, api_for):
    """Every outgoing HTTP request is caught (nothing registered): the pages must still show the templates."""
    [aviso] = templates_of(tenant.number, {"name": "aviso", "category": "utility", "status": "APPROVED"})
    closed = open_conversation(tenant.number, hours_ago=30)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as graph:
        thread = owner_client.get(f"/app/inbox/{closed.pk}/")
        numbers = owner_client.get("/app/numbers/")
        send = api_for(tenant.client).post(
            f"/api/v1/conversations/{closed.pk}/messages",
            {"template": {"name": "aviso", "language": "es"}},
            format="json",
        )
        assert [call.request.url for call in graph.calls] == []
    assert thread.status_code == 200 and [t["name"] for t in thread.context["templates"]] == ["aviso"]
    assert numbers.status_code == 200 and f'id="template-{aviso.pk}"' in numbers.content.decode()
    assert send.status_code == 202, send.content


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_templates_on_a_phone_read_in_spanish_and_pass_axe(live_server, chromium):
    from tests.a11y.axe import A11Y_CONTEXT, assert_accessible
    from tests.a11y.test_axe import log_in
    from tests.browser import phone_page
    from tests.portal.conftest import make_tenant

    tenant = make_tenant("Panadería Uno")
    templates_of(
        tenant.number,
        {"name": "recordatorio_de_cita_con_un_nombre_largo", "category": "utility", "status": "APPROVED",
         "quality_score": "GREEN"},
        {"name": "promo_navidad", "category": "marketing", "status": "REJECTED", "reason": "INVALID_FORMAT"},
    )  # fmt: skip
    page = phone_page(chromium, **A11Y_CONTEXT)
    log_in(page, live_server.url, tenant.owner.email)
    page.goto(f"{live_server.url}/app/numbers/")
    box = f"#templates-{tenant.number.pk}"
    page.click(f"{box} summary")
    table = page.inner_text(f"{box} ul")
    assert "Utilidad" in table and "Aprobada" in table and "Alta" in table
    assert "Marketing" in table and "Rechazada" in table and "INVALID_FORMAT" in table
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the page itself never scrolls sideways
    assert_accessible(page, "numbers-templates-phone")
    page.context.close()
