"""Hostile bodies and headers: oversized, unparseable, too deep, non-ASCII. Never a 5xx, nothing stored.

Django's test client re-raises any exception a view lets through, so a crash fails these tests loudly.
"""

from __future__ import annotations

import json

import pytest

from tests.factories import ClientFactory, connected_number
from tests.meta_fixtures import messages_envelope
from tests.whatsapp.api_support import token_api
from whatsapp.models import Message, WebhookEvent
from whatsapp.services.webhooks import webhook_events_apply
from whatsapp.signature import sign_body

pytestmark = pytest.mark.django_db

DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000
NESTED_100 = json.dumps({"name": "x", "extra": json.loads("[" * 100 + "]" * 100)}).encode()


def _big(size: int = 3 * 1024 * 1024) -> bytes:
    return json.dumps({"padding": "x" * size}).encode()


def assert_json_error(response, status: int) -> None:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"]


# --- the webhook -------------------------------------------------------------------------------
def test_oversized_webhook_post_is_413_and_stores_nothing(client):
    body = _big()
    response = client.post(
        "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign_body(body)
    )
    assert_json_error(response, 413)
    assert WebhookEvent.objects.count() == 0


def test_oversized_webhook_post_claiming_multipart_is_413_not_500(client):
    """Multipart skips the size middleware (uploads stream), but the webhook reads the raw body: found by
    tests/security/test_webhook_fuzz.py, this was a RequestDataTooBig 500."""
    body = _big()
    response = client.post(
        "/webhook/whatsapp",
        data=body,
        content_type="multipart/form-data; boundary=x",
        HTTP_X_HUB_SIGNATURE_256=sign_body(body),
    )
    assert_json_error(response, 413)
    assert WebhookEvent.objects.count() == 0


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800"], ids=["nul", "lone-surrogate"])
def test_signed_webhook_with_a_nul_or_lone_surrogate_is_stored_and_applied(client, escape):
    """PostgreSQL's text and jsonb refuse NUL, UTF-8 has no lone surrogates; found by the webhook fuzz test
    on PostgreSQL, such a delivery was a 500 (and Meta retries it for days)."""
    number = connected_number()
    message = {
        "from": "573001112233",
        "id": "wamid.NUL",
        "timestamp": "1763776000",
        "type": "text",
        "text": {"body": "X"},
    }
    body = json.dumps(messages_envelope(number, [message])).replace('"X"', f'"a{escape}b"').encode()
    response = client.post(
        "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign_body(body)
    )
    assert response.status_code == 200
    webhook_events_apply()
    assert Message.objects.get(wamid="wamid.NUL").text in ("a\ufffdb", "a?b")


def test_signed_webhook_nested_deeper_than_the_json_limit_is_400_and_not_applied(client):
    """Deeper than core.jsonbody's limit but not deep enough for a RecursionError: it used to be applied."""
    body = b'{"object": "whatsapp_business_account", "entry": [], "x": ' + b"[" * 40 + b"]" * 40 + b"}"
    response = client.post(
        "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign_body(body)
    )
    assert_json_error(response, 400)
    assert not WebhookEvent.objects.exclude(outcome=WebhookEvent.Outcome.FAILED).exists()


@pytest.mark.parametrize("header", ["sha256=é", "sha256=\u00ff\u00fe", "ñ" * 64])
def test_non_ascii_signature_is_a_bad_signature(client, header):
    body = b'{"object": "whatsapp_business_account", "entry": []}'
    response = client.post(
        "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=header
    )
    assert_json_error(response, 403)
    assert WebhookEvent.objects.count() == 0


def test_unsigned_deep_json_to_the_webhook_is_403(client):
    response = client.post("/webhook/whatsapp", data=DEEP, content_type="application/json")
    assert_json_error(response, 403)


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_signed_deep_json_to_the_webhook_is_400_not_500(client, body):
    response = client.post(
        "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign_body(body)
    )
    assert_json_error(response, 400)


# --- the REST API ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body", [DEEP, DEEP_OBJECT, NESTED_100, b'{"name": "x",'], ids=["array", "object", "100", "cut"]
)
def test_unparseable_or_deep_json_to_the_public_signup_is_400(client, body):
    response = client.post("/api/clients/register", data=body, content_type="application/json")
    assert_json_error(response, 400)
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_deep_json_to_token_login_and_setup_code_endpoints_is_400(client, body):
    for path in ("/api/auth/token", "/api/clients/add-whatsapp", "/api/clients/verify-whatsapp"):
        assert_json_error(client.post(path, data=body, content_type="application/json"), 400)


def test_deep_json_to_an_authenticated_endpoint_is_400():
    api = token_api(ClientFactory())
    response = api.generic("PUT", "/api/v1/persona", DEEP, content_type="application/json")
    assert_json_error(response, 400)
    response = api.generic("POST", "/api/v1/knowledge", DEEP_OBJECT, content_type="application/json")
    assert_json_error(response, 400)


def test_oversized_api_body_is_413(client):
    response = client.post("/api/clients/register", data=_big(), content_type="application/json")
    assert_json_error(response, 413)


def test_oversized_form_post_to_a_page_is_413_not_500(client):
    response = client.post(
        "/accounts/login/", data="username=" + "a" * (3 * 1024 * 1024), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 413


# --- the sandbox's own JSON endpoints ------------------------------------------------------------
@pytest.mark.parametrize("path", ["/sandbox/api/inbound", "/sandbox/api/faults"])
def test_deep_json_to_the_sandbox_is_400(client, path):
    assert_json_error(client.post(path, data=DEEP, content_type="application/json"), 400)
