"""Unit tests of the Graph client's transport: URLs, auth, and the mapping of Meta errors to types.

The client against the live sandbox is covered in tests/sandbox/; here `responses` fakes only
what a live server cannot easily produce (timeouts, connection errors, HTML error pages).
"""

import json

import pytest
import requests
import responses

from whatsapp.client import GraphClient
from whatsapp.errors import (
    AuthenticationError,
    GraphError,
    GraphTimeoutError,
    PermanentGraphError,
    RateLimitedError,
    TransientGraphError,
    WindowClosedError,
)

BASE = "https://graph.example.test"


@pytest.fixture
def graph():
    return GraphClient("token-123", base_url=BASE, version="v24.0", timeout=3)


def meta_error(code, message="boom", details=""):
    body = {"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "A1"}}
    if details:
        body["error"]["error_data"] = {"messaging_product": "whatsapp", "details": details}
    return body


@responses.activate
def test_send_text_builds_metas_request(graph):
    responses.post(
        f"{BASE}/v24.0/111/messages",
        json={
            "messaging_product": "whatsapp",
            "contacts": [{"input": "+573001112233", "wa_id": "573001112233"}],
            "messages": [{"id": "wamid.OK"}],
        },
    )
    result = graph.send_text("111", "+573001112233", "Hola", biz_opaque_callback_data="uuid-1")
    assert result["messages"][0]["id"] == "wamid.OK"
    call = responses.calls[0].request
    assert call.headers["Authorization"] == "Bearer token-123"
    assert json.loads(call.body) == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "+573001112233",
        "type": "text",
        "text": {"body": "Hola", "preview_url": False},
        "biz_opaque_callback_data": "uuid-1",
    }


@responses.activate
def test_code_exchange_sends_no_bearer_token(graph, settings):
    settings.WHATSAPP_APP_ID, settings.WHATSAPP_APP_SECRET = "app", "secret"
    responses.get(f"{BASE}/v24.0/oauth/access_token", json={"access_token": "biz", "token_type": "bearer"})
    assert graph.exchange_code("code-1")["access_token"] == "biz"
    request = responses.calls[0].request
    assert "Authorization" not in request.headers
    assert "client_secret=secret" in request.url and "code=code-1" in request.url


@pytest.mark.parametrize(
    ("status", "code", "expected"),
    [
        (401, 190, AuthenticationError),
        (400, 0, AuthenticationError),
        (400, 131047, WindowClosedError),
        (400, 130429, RateLimitedError),
        (400, 131056, RateLimitedError),
        (400, 80007, RateLimitedError),
        (400, 4, RateLimitedError),
        (500, 131000, TransientGraphError),
        (503, 131016, TransientGraphError),
        (400, 131057, TransientGraphError),
        (400, 133004, TransientGraphError),
        (400, 131026, PermanentGraphError),
        (400, 100, PermanentGraphError),
        (400, 132001, PermanentGraphError),
        (400, 133005, PermanentGraphError),
        (400, 131042, PermanentGraphError),
    ],
)
@responses.activate
def test_meta_error_codes_map_to_what_the_caller_should_do(graph, status, code, expected):
    responses.post(f"{BASE}/v24.0/111/messages", status=status, json=meta_error(code, details="why"))
    with pytest.raises(expected) as raised:
        graph.send_text("111", "+573001112233", "Hola")
    assert raised.value.code == code
    assert raised.value.http_status == status
    assert raised.value.details == "why"
    assert raised.value.transient == issubclass(expected, TransientGraphError)


@responses.activate
def test_an_html_502_from_a_proxy_is_transient(graph):
    responses.post(f"{BASE}/v24.0/111/messages", status=502, body="<html>Bad gateway</html>")
    with pytest.raises(TransientGraphError):
        graph.send_text("111", "+57300", "Hola")


@responses.activate
def test_timeouts_and_connection_errors_are_transient(graph):
    responses.post(f"{BASE}/v24.0/111/messages", body=requests.ReadTimeout("slow"))
    with pytest.raises(GraphTimeoutError):
        graph.send_text("111", "+57300", "Hola")
    responses.replace(responses.POST, f"{BASE}/v24.0/111/messages", body=requests.ConnectionError("down"))
    with pytest.raises(TransientGraphError):
        graph.send_text("111", "+57300", "Hola")


@responses.activate
def test_a_200_that_is_not_a_json_object_is_an_error(graph):
    responses.get(f"{BASE}/v24.0/111", body="[]")
    with pytest.raises(GraphError):
        graph.get_phone_number("111")


def test_numbers_use_their_own_token(settings):
    from tests.factories import WhatsAppNumberFactory

    settings.WHATSAPP_MASTER_TOKEN = "master"
    hosted = WhatsAppNumberFactory.build(connection_type="hosted", business_token="")
    embedded = WhatsAppNumberFactory.build(connection_type="embedded", business_token="client-own")
    assert GraphClient.for_number(hosted).token == "master"
    assert GraphClient.for_number(embedded).token == "client-own"
