"""Owners manage API keys, agents do not; the master dashboard is for the operator (staff) only."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from billing.services import usage_period_for
from tenants.models import ApiKey
from tests.factories import ConversationFactory, MessageFactory
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_agent_cannot_see_or_create_api_keys(agent_client, tenant):
    assert agent_client.get("/app/settings/api-keys/").status_code == 403
    assert agent_client.post("/app/settings/api-keys/", {"name": "x"}).status_code == 403
    assert not ApiKey.objects.filter(client=tenant.client).exists()
    assert "/app/settings/api-keys/" not in agent_client.get("/app/").content.decode()


def test_agent_can_use_the_inbox(agent_client, tenant):
    response = agent_client.post(f"/app/inbox/{tenant.conversation.pk}/take-over/")
    assert response.status_code == 302
    tenant.conversation.refresh_from_db()
    assert tenant.conversation.owner == "human"


def test_agents_see_usage_counts_but_no_money(client, tenant):
    """Agents see the inbox and the usage counts, never billing: the previews' estimated AI cost is for owners."""
    from decimal import Decimal

    from ai.models import AiReplyLog

    AiReplyLog.objects.create(
        client=tenant.client, source=AiReplyLog.Source.PREVIEW, provider="openai", estimated_cost=Decimal("0.0123")
    )
    client.force_login(tenant.agent)
    page = client.get("/app/usage/", HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="preview-count">1<' in html  # the counts stay
    assert "preview-cost" not in html and "USD" not in html and "0,0123" not in html and "costo" not in html.lower()
    assert "estimated_cost" not in page.context["previews"]

    client.force_login(tenant.owner)
    html = client.get("/app/usage/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="preview-cost">0,0123<' in html


def test_owner_creates_a_key_sees_it_once_and_it_works(owner_client, tenant):
    response = owner_client.post("/app/settings/api-keys/", {"name": "Sitio web"})
    assert response.status_code == 200
    secret = response.context["new_secret"]
    assert secret and secret in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get(client=tenant.client)
    assert key.name == "Sitio web" and secret.startswith(key.prefix + ".")
    # Shown once: the list page never shows the secret again.
    assert secret not in owner_client.get("/app/settings/api-keys/").content.decode()

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    assert api.get("/api/v1/numbers").status_code == 200

    assert owner_client.post(f"/app/settings/api-keys/{key.pk}/revoke/").status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert api.get("/api/v1/numbers").status_code == 401


def test_api_key_without_a_name_is_a_form_error(owner_client, tenant):
    response = owner_client.post("/app/settings/api-keys/", {"name": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.exists()


def test_dashboard_anonymous_goes_to_login(client, db):
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["owner", "agent"])
def test_dashboard_is_403_for_client_users(client, tenant, role):
    client.force_login(getattr(tenant, role))
    assert client.get("/dashboard/").status_code == 403


def test_staff_sees_every_client_with_the_api_metrics(client, tenant, other, staff_user):
    conversation = ConversationFactory(number=other.number)
    MessageFactory(conversation=conversation, direction="out", status="sent", sent_by="ai", wamid=None)
    period = usage_period_for(number=tenant.number)
    type(period).objects.filter(pk=period.pk).update(ai_replies=3, agent_replies=1)
    client.post("/accounts/login/", {"username": staff_user.email, "password": PASSWORD})

    response = client.get("/dashboard/")
    assert response.status_code == 200
    html = response.content.decode()
    api = client.get("/api/dashboard/metrics").json()
    for row in api["results"]:
        assert f'data-client="{row["client_id"]}"' in html
        assert row["client_name"] in html
    by_id = {r["client_id"]: r for r in response.context["metrics"]["results"]}
    assert by_id[other.client.pk]["ai_responses_sent"] == 1
    assert response.context["metrics"]["totals"] == api["totals"]
    chart = response.context["chart"]
    assert [b["total"] for b in chart["bars"] if b["label"] == tenant.client.business_name] == [4]
    assert '<svg class="chart"' in html
    assert 'id="capacity"' in html and "/admin/" in html and "/billing/costs/" in html
