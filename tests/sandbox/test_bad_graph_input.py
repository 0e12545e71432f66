"""Malformed Graph requests get Meta's error object with a 4xx, never a 500, and store nothing."""

import json

import pytest

from sandbox.models import SandboxMessage, SandboxTemplate
from sandbox.services import open_window

pytestmark = pytest.mark.django_db

AUTH = {"HTTP_AUTHORIZATION": "Bearer sandbox-master-token"}
BASE = {"messaging_product": "whatsapp", "to": "+573001112233"}


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        [1, 2],
        {"to": "+573001112233", "type": "text", "text": {"body": "x"}},  # no messaging_product
        {**BASE, "type": "text", "text": "plain string"},
        {**BASE, "type": "interactive", "interactive": {"type": "button", "body": "x"}},
        {**BASE, "type": "interactive", "interactive": {"type": "button", "body": {"text": "x"}, "action": []}},
        {
            **BASE,
            "type": "interactive",
            "interactive": {"type": "button", "body": {"text": "x"}, "action": {"buttons": ["x"]}},
        },
        {
            **BASE,
            "type": "interactive",
            "interactive": {"type": "list", "body": {"text": "x"}, "action": {"button": "b", "sections": ["x"]}},
        },
        {**BASE, "type": "template", "template": {"name": "hello_world", "language": "en_US"}},
        {**BASE, "type": "template", "template": {"name": ["x"], "language": {"code": "en_US"}}},
        {**BASE, "type": "image", "image": {"id": "1", "link": "https://example.com/a.jpg"}},
        {**BASE, "type": "image", "image": {"link": "ftp://example.com/a.jpg"}},
        {**BASE, "type": "reaction", "reaction": "👍"},
        {**BASE, "type": "location", "location": {"latitude": 1}},
        {**BASE, "type": 7, "text": {"body": "x"}},
        {"messaging_product": "whatsapp", "status": "read", "message_id": ["x"]},
        {"messaging_product": "whatsapp", "status": "read"},
    ],
)
def test_bad_message_requests(client, number, body):
    open_window(phone_number_id=number.phone_number_id, wa_id="573001112233")
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(
        f"/sandbox/graph/v24.0/{number.phone_number_id}/messages", data=data, content_type="application/json", **AUTH
    )
    assert 400 <= response.status_code < 500
    error = response.json()["error"]
    assert isinstance(error["code"], int) and error["type"] == "OAuthException" and error["fbtrace_id"]
    assert not SandboxMessage.objects.exists()


@pytest.mark.parametrize(
    "path, method, body",
    [
        (
            "100000000000001/message_templates",
            "post",
            {"name": "x", "language": "es", "category": "UTILITY", "components": "x"},
        ),
        (
            "100000000000001/message_templates",
            "post",
            {"name": "x", "language": "es", "category": "UTILITY", "components": [1]},
        ),
        ("100000000000001/phone_numbers", "post", {"cc": "57"}),
        ("100000000000001/phone_numbers", "post", {"cc": "57", "phone_number": "1", "verified_name": "X"}),
        ("100000000000001/unknown_edge", "get", None),
        ("100000000000001/phone_numbers", "put", {}),
        ("{pnid}", "post", {"webhook_configuration": "x"}),
        ("{pnid}", "post", {}),
        ("{pnid}/register", "post", {"pin": "123456"}),
        ("{pnid}/media", "post", {"messaging_product": "whatsapp"}),
    ],
)
def test_bad_management_requests(client, number, path, method, body):
    url = "/sandbox/graph/v24.0/" + path.replace("{pnid}", number.phone_number_id)
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    response = getattr(client, method)(url, **kwargs, **AUTH)
    assert 400 <= response.status_code < 500
    assert isinstance(response.json()["error"]["code"], int)
    assert not SandboxTemplate.objects.exclude(name="hello_world").exists()


def test_missing_token_is_190(client, number):
    response = client.get(f"/sandbox/graph/v24.0/{number.phone_number_id}")
    assert response.status_code == 401 and response.json()["error"]["code"] == 190
