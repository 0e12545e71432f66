"""Shared helpers of the `/api/v1` messaging tests: callers authenticated both ways, and payloads.

Every endpoint is exercised with a user token (`Authorization: Token …`) and with a per-client API
key (`Authorization: Api-Key …`): the `api_for` fixture is parametrized over both.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.authentication import create_api_key
from tenants.models import Client
from tenants.tokens import api_token_issue
from tests.factories import ConversationFactory, MembershipFactory, MessageFactory


def token_header(client: Client):
    """A new owner of `client` and the `Authorization` header of their API token."""
    membership = MembershipFactory(client=client, user__password=None)  # no slow hashing: tokens only
    return membership.user, f"Token {api_token_issue(user=membership.user)}"


def token_api(client: Client) -> APIClient:
    user, header = token_header(client)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=header)
    api.user = user
    return api


def key_api(client: Client) -> APIClient:
    _, raw = create_api_key(client=client, name="tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    api.user = None
    return api


@pytest.fixture(params=["token", "api_key"])
def api_for(request, db):
    """`api_for(client)` → an APIClient acting for that client, by user token or by API key."""
    return token_api if request.param == "token" else key_api


def open_conversation(number, *, hours_ago: float = 1, **kwargs):
    """A conversation whose customer wrote `hours_ago` hours ago (window open under 24)."""
    written = timezone.now() - timedelta(hours=hours_ago)
    conversation = ConversationFactory(number=number, last_inbound_at=written, last_message_at=written, **kwargs)
    MessageFactory(conversation=conversation, text="Hola, ¿tienen domicilio?", created_at=written)
    return conversation


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"]["code"] == code, body
    assert body["error"]["message"]
    return body["error"]
