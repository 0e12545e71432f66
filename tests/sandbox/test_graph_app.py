"""The sandbox's app endpoints in Meta's shapes: GET /debug_token and GET|POST|DELETE /{app-id}/subscriptions."""

from __future__ import annotations

import pytest
import requests

from sandbox.app import APP_WEBHOOK_FIELDS, app_token
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError

pytestmark = pytest.mark.django_db(transaction=True)


def test_debug_token_describes_the_master_token_and_refuses_an_unknown_one(sandbox_live, settings):
    app = GraphClient.for_app()
    master = app.debug_token(settings.WHATSAPP_MASTER_TOKEN)["data"]
    assert master["is_valid"] is True and master["app_id"] == settings.WHATSAPP_APP_ID
    assert master["type"] == "SYSTEM_USER" and master["expires_at"] == 0
    assert set(master["scopes"]) >= {"whatsapp_business_management", "whatsapp_business_messaging"}
    assert master["granular_scopes"][0]["target_ids"] == [settings.WHATSAPP_BUSINESS_ACCOUNT_ID]
    unknown = app.debug_token("EAAG-never-issued")["data"]  # Meta answers 200 with is_valid false
    assert unknown["is_valid"] is False and unknown["error"]["code"] == 190 and unknown["scopes"] == []
    with pytest.raises(GraphError) as refused:
        GraphClient("EAAG-never-issued").debug_token(settings.WHATSAPP_MASTER_TOKEN)
    assert refused.value.code == 190


def test_an_embedded_signup_token_is_valid_for_sixty_days(sandbox_live, embedded_number):
    token, waba_id, _ = embedded_number()
    info = GraphClient.for_app().debug_token(token)["data"]
    assert info["is_valid"] and info["expires_at"] - info["issued_at"] == 5183944
    assert info["granular_scopes"][0]["target_ids"] == [waba_id]


def test_the_app_subscription_lists_the_webhook_and_changes_only_with_the_app_token(sandbox_live, settings):
    graph = f"{sandbox_live}/sandbox/graph/{settings.WHATSAPP_GRAPH_VERSION}/{settings.WHATSAPP_APP_ID}/subscriptions"
    [entry] = GraphClient.for_app().app_subscriptions(settings.WHATSAPP_APP_ID)["data"]
    assert (entry["object"], entry["callback_url"], entry["active"]) == (
        "whatsapp_business_account",
        settings.WEBHOOK_URL,
        True,
    )
    assert [f["name"] for f in entry["fields"]] == list(APP_WEBHOOK_FIELDS)
    assert entry["fields"][0]["version"] == settings.WHATSAPP_GRAPH_VERSION

    master = requests.get(graph, headers={"Authorization": f"Bearer {settings.WHATSAPP_MASTER_TOKEN}"}, timeout=5)
    assert master.status_code == 400 and master.json()["error"]["code"] == 15  # a user token may not
    app = {"Authorization": f"Bearer {app_token()}"}
    body = {"object": "whatsapp_business_account", "fields": "messages", "verify_token": "wrong"}
    failed = requests.post(graph, headers=app, data={**body, "callback_url": settings.WEBHOOK_URL}, timeout=10)
    assert failed.status_code == 400 and failed.json()["error"]["code"] == 2200  # our webhook refused the challenge
    body["verify_token"] = settings.WHATSAPP_VERIFY_TOKEN
    assert requests.post(graph, headers=app, data={**body, "callback_url": settings.WEBHOOK_URL}, timeout=10).ok
    [entry] = requests.get(graph, headers=app, timeout=5).json()["data"]
    assert [f["name"] for f in entry["fields"]] == ["messages"]
    gone = requests.delete(graph, headers=app, params={"object": "whatsapp_business_account"}, timeout=5)
    assert gone.json() == {"success": True}
    assert requests.get(graph, headers=app, timeout=5).json() == {"data": []}
