"""The portal's webhook pages (owners only): add an endpoint and see its secret once, change it, see each
delivery's status, response code and latency, redeliver; Spanish by default, English on request; a real
browser drives the page against a local receiver."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.signing import verify
from tests.browser import phone_page
from tests.factories import MembershipFactory
from tests.integrations.receiver import start_receiver, stop_receiver
from tests.portal.conftest import PASSWORD
from tests.support import customer_writes


@pytest.fixture
def rx():
    receiver = start_receiver([200])
    yield receiver
    stop_receiver(receiver)


@pytest.mark.django_db
def test_owner_adds_an_endpoint_and_sees_the_secret_once(owner_client, tenant, rx):
    page = owner_client.get("/app/settings/webhooks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Webhooks" in html and "Agregar endpoint" in html and "message.received" in html

    response = owner_client.post(
        "/app/settings/webhooks/", {"url": rx.url, "events": ["message.received", "message.status"], "is_enabled": "on"}
    )
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    endpoint = WebhookEndpoint.objects.get(client=tenant.client)
    assert endpoint.secret in response.content.decode()
    assert endpoint.events == ["message.received", "message.status"]
    detail = owner_client.get(f"/app/settings/webhooks/{endpoint.pk}/").content.decode()
    assert endpoint.secret not in detail and endpoint.secret_hint in detail


@pytest.mark.django_db
def test_refusals_are_shown_on_the_form(owner_client, tenant, settings):
    settings.WHATSAPP_SANDBOX = False
    response = owner_client.post(
        "/app/settings/webhooks/", {"url": "http://192.168.0.10/hook", "events": ["message.received"]}
    )
    assert response.status_code == 400
    assert "solo van a direcciones públicas" in response.content.decode()
    response = owner_client.post("/app/settings/webhooks/", {"url": "https://example.com/h"})  # no events
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.django_db
def test_deliveries_show_status_code_latency_and_can_be_redelivered(owner_client, tenant, rx):
    endpoint, _secret = services.endpoint_create(client=tenant.client, url=rx.url, events=["message.received"])
    [delivery_id] = services.events_emit([[tenant.client.pk, "message.received", {"message_id": tenant.inbound.pk}]])
    services.delivery_attempt(delivery_id)
    html = owner_client.get(f"/app/settings/webhooks/{endpoint.pk}/").content.decode()
    assert f'id="delivery-{delivery_id}" data-status="succeeded"' in html
    assert "Entregado" in html and ">200<" in html and " ms" in html
    assert html.count('class="attempt" data-outcome="succeeded"') == 1  # each attempt, under its delivery

    response = owner_client.post(f"/app/settings/webhooks/{endpoint.pk}/deliveries/{delivery_id}/redeliver/")
    assert response.status_code == 302
    assert WebhookDelivery.objects.filter(redelivery_of_id=delivery_id).exists()

    owner_client.post("/i18n/setlang/", {"language": "en", "next": "/app/"})
    english = owner_client.get(f"/app/settings/webhooks/{endpoint.pk}/").content.decode()
    assert "Deliveries" in english and "Redeliver" in english


@pytest.mark.django_db
def test_the_deliveries_page_costs_the_same_queries_for_many_deliveries(
    owner_client, tenant, rx, django_assert_max_num_queries
):
    endpoint, _secret = services.endpoint_create(client=tenant.client, url=rx.url, events=["message.received"])
    ref = {"message_id": tenant.inbound.pk}
    for delivery_id in services.events_emit([[tenant.client.pk, "message.received", ref]] * 20):
        services.delivery_attempt(delivery_id)
    with django_assert_max_num_queries(20):
        response = owner_client.get(f"/app/settings/webhooks/{endpoint.pk}/")
    assert response.content.decode().count('class="attempt"') == 20


@pytest.mark.django_db
def test_agents_cannot_manage_webhooks(client, tenant):
    client.force_login(tenant.agent)
    assert client.get("/app/settings/webhooks/").status_code in (302, 403)
    assert client.post(
        "/app/settings/webhooks/", {"url": "https://example.com", "events": ["message.sent"]}
    ).status_code in (302, 403)
    assert not WebhookEndpoint.objects.exists()


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "portal"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_owner_sets_up_a_webhook_in_the_browser_and_a_customer_message_arrives(chromium, sandbox_live, number, rx):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    owner = MembershipFactory(client=number.client, user__password=PASSWORD).user
    page = phone_page(chromium)
    page.goto(f"{sandbox_live}/accounts/login/")
    page.fill("#id_username", owner.email)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#tabs")
    page.click("#nav-webhooks")
    page.wait_for_selector("#webhook-form")
    assert page.locator("h1").inner_text() == "Webhooks"

    page.fill("#id_url", rx.url)
    page.check("input[name=events][value='message.received']")
    page.click("#webhook-form button[type=submit]")
    secret = page.locator("#new-secret-value").inner_text().strip()
    assert secret.startswith("whsec_")
    page.screenshot(path=str(ARTIFACTS / "webhooks-01-created.png"), full_page=True)

    customer_writes(sandbox_live, number, "Hola, ¿tienen envíos?")  # the real pipeline, eager tasks
    [request] = [r for r in rx.requests if json.loads(r.body)["type"] == "message.received"]
    assert verify(secret, request.body, request.headers["X-CRM-Signature"])
    assert json.loads(request.body)["data"]["message"]["text"] == "Hola, ¿tienen envíos?"

    endpoint = WebhookEndpoint.objects.get(client=number.client)
    page.click(f"#endpoint-{endpoint.pk} a")
    row = page.locator("tr.delivery").first
    row.wait_for()
    assert row.get_attribute("data-status") == "succeeded"
    assert row.locator(".code").inner_text() == "200"
    assert row.locator(".latency").inner_text().endswith("ms")
    page.screenshot(path=str(ARTIFACTS / "webhooks-02-deliveries.png"), full_page=True)

    page.click("tr.delivery >> .redeliver")
    page.wait_for_selector("tr.delivery >> nth=1")
    assert page.locator("tr.delivery").count() == 2
    assert len([r for r in rx.requests if json.loads(r.body)["type"] == "message.received"]) == 2
    assert WebhookDelivery.objects.filter(status="succeeded").count() == 2
