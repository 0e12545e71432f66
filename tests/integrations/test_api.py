"""`/api/v1/webhooks`: CRUD with the secret shown once, deliveries and redelivery, audited, in the schema,
and scoped to the caller's client (another client's ids are a 404)."""

from __future__ import annotations

import pytest

from audit.models import AuditEntry
from integrations import services
from integrations.models import WebhookDelivery, WebhookEndpoint
from tests.factories import ClientFactory, MessageFactory
from tests.integrations.conftest import run_ours
from tests.whatsapp.api_support import assert_error

pytestmark = pytest.mark.django_db


def test_create_read_update_rotate_delete(api_for, number, receiver):
    api = api_for(number.client)
    rx = receiver()
    created = api.post(
        "/api/v1/webhooks",
        {"url": rx.url, "events": ["message.received", "usage.threshold"], "description": "ERP"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created["Cache-Control"] == "no-store"
    body = created.json()
    secret = body["secret"]
    assert secret.startswith("whsec_") and body["secret_hint"] == secret[:10] + "…"
    assert body["events"] == ["message.received", "usage.threshold"] and body["is_enabled"] is True
    endpoint_id = body["id"]

    listing = api.get("/api/v1/webhooks").json()["results"]
    assert [e["id"] for e in listing] == [endpoint_id]
    shown = api.get(f"/api/v1/webhooks/{endpoint_id}").json()
    assert "secret" not in shown and secret not in str(listing)  # shown once, never again

    changed = api.patch(
        f"/api/v1/webhooks/{endpoint_id}", {"events": ["message.sent"], "is_enabled": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["events"] == ["message.sent"]
    assert changed.json()["is_enabled"] is False

    rotated = api.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret")
    assert rotated.status_code == 200 and rotated.json()["secret"] not in (secret, "")
    assert WebhookEndpoint.objects.get().secret == rotated.json()["secret"]

    assert api.delete(f"/api/v1/webhooks/{endpoint_id}").status_code == 204
    assert not WebhookEndpoint.objects.exists()
    actions = list(AuditEntry.objects.filter(client=number.client).order_by("id").values_list("action", flat=True))
    assert [a for a in actions if a.startswith("webhook.")] == [
        "webhook.created",
        "webhook.changed",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]
    change = AuditEntry.objects.get(action="webhook.changed")
    assert change.before == {"events": ["message.received", "usage.threshold"], "is_enabled": True}
    assert change.after == {"events": ["message.sent"], "is_enabled": False}
    assert all(secret not in str(e.before) + str(e.after) for e in AuditEntry.objects.all())
    if api.user is None:  # an integrator's key is named as the actor
        assert change.actor_kind == "api_key"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"url": "https://example.com/h", "events": []}, "validation_error"),
        ({"url": "https://example.com/h", "events": ["message.deleted"]}, "validation_error"),
        ({"url": "https://example.com/h"}, "validation_error"),
        ({"events": ["message.sent"]}, "validation_error"),
        ({"url": "ftp://example.com/h", "events": ["message.sent"]}, "unsupported_scheme"),
        ({"url": "https://example.com/h", "events": "message.sent"}, "validation_error"),
    ],
)
def test_bad_input_is_a_clear_400(api_for, number, payload, code):
    assert_error(api_for(number.client).post("/api/v1/webhooks", payload, format="json"), 400, code)
    assert not WebhookEndpoint.objects.exists()


def test_deliveries_list_detail_and_redeliver(api_for, number, receiver, django_capture_on_commit_callbacks):
    api = api_for(number.client)
    rx = receiver([500, 200])
    endpoint, _secret = services.endpoint_create(client=number.client, url=rx.url, events=["message.received"])
    message = MessageFactory(conversation__number=number)
    [delivery_id] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    services.delivery_attempt(delivery_id)

    page = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()
    assert page["count"] == 1
    [row] = page["results"]
    assert (row["id"], row["status"], row["last_response_code"], row["attempts"]) == (delivery_id, "retrying", 500, 1)
    assert row["last_latency_ms"] is not None
    assert api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", {"status": "succeeded"}).json()["count"] == 0
    assert_error(api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries", {"status": "lost"}), 400, "validation_error")

    detail = api.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery_id}").json()
    assert detail["body"] == WebhookDelivery.objects.get().body
    assert [(a["number"], a["response_code"], a["outcome"]) for a in detail["attempt_list"]] == [(1, 500, "retry")]

    with django_capture_on_commit_callbacks() as callbacks:
        again = api.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery_id}/redeliver")
    assert again.status_code == 202, again.content
    assert again.json()["redelivery_of"] == delivery_id and again.json()["event_id"] == detail["event_id"]
    run_ours(callbacks)
    assert WebhookDelivery.objects.get(pk=again.json()["id"]).status == "succeeded"

    services.endpoint_update(endpoint=endpoint, data={"is_enabled": False})
    refused = api.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{delivery_id}/redeliver")
    assert_error(refused, 409, "endpoint_disabled")


def test_another_clients_webhooks_are_not_found(api_for, number):
    mine = api_for(number.client)
    theirs = ClientFactory()
    endpoint, _secret = services.endpoint_create(
        client=theirs, url="http://127.0.0.1:9/theirs", events=["message.received"]
    )
    assert mine.get("/api/v1/webhooks").json()["results"] == []
    for method, path in [
        ("get", f"/api/v1/webhooks/{endpoint.pk}"),
        ("patch", f"/api/v1/webhooks/{endpoint.pk}"),
        ("delete", f"/api/v1/webhooks/{endpoint.pk}"),
        ("post", f"/api/v1/webhooks/{endpoint.pk}/rotate-secret"),
        ("get", f"/api/v1/webhooks/{endpoint.pk}/deliveries"),
        ("get", "/api/v1/webhooks/not-an-id"),
    ]:
        assert_error(getattr(mine, method)(path, {"events": ["message.sent"]}, format="json"), 404, "not_found")
    assert WebhookEndpoint.objects.get().events == ["message.received"]


def test_the_schema_documents_the_webhook_operations(client):
    schema = client.get("/api/schema/", {"format": "json"}).json()
    expected = {
        "/api/v1/webhooks": {"get", "post"},
        "/api/v1/webhooks/{endpoint_id}": {"get", "patch", "delete"},
        "/api/v1/webhooks/{endpoint_id}/rotate-secret": {"post"},
        "/api/v1/webhooks/{endpoint_id}/deliveries": {"get"},
        "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}": {"get"},
        "/api/v1/webhooks/{endpoint_id}/deliveries/{delivery_id}/redeliver": {"post"},
    }
    for path, methods in expected.items():
        assert set(schema["paths"][path]) >= methods, path
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation["summary"] and operation["tags"] == ["webhooks"], (path, method)
    assert "201" in schema["paths"]["/api/v1/webhooks"]["post"]["responses"]


def test_an_agents_token_may_not_manage_webhooks(number):
    from rest_framework.test import APIClient

    from tenants.models import Membership
    from tenants.tokens import api_token_issue
    from tests.factories import MembershipFactory

    agent = MembershipFactory(client=number.client, role=Membership.Role.AGENT, user__password=None).user
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=agent)}")
    endpoint, _secret = services.endpoint_create(
        client=number.client, url="http://127.0.0.1:9/x", events=["message.sent"]
    )
    assert_error(api.get("/api/v1/webhooks"), 403, "permission_denied")
    assert_error(
        api.post("/api/v1/webhooks", {"url": "http://127.0.0.1:9/y", "events": ["message.sent"]}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(api.delete(f"/api/v1/webhooks/{endpoint.pk}"), 403, "permission_denied")
    assert WebhookEndpoint.objects.count() == 1
