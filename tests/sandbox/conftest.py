"""Helpers for talking to the live sandbox the way the product and a test operator would."""

from __future__ import annotations

import pytest
import requests
from django.conf import settings

from whatsapp.client import GraphClient

# Live-server tests flush only these apps' tables between tests (with CASCADE), and skip re-creating
# permissions and content types: on PostgreSQL that is most of a transactional test's cost. Django's auth
# stays in the registry, as in production: every page's context (the tab list) asks who the user is.
LIVE_APPS = ["django.contrib.auth", "sandbox", "tenants", "whatsapp", "billing", "ai"]
live_db = pytest.mark.django_db(transaction=True, available_apps=LIVE_APPS)


@pytest.fixture
def operator(sandbox_live) -> GraphClient:
    """The product's Graph client with the master token, pointed at the live sandbox."""
    return GraphClient(settings.WHATSAPP_MASTER_TOKEN)


@pytest.fixture
def sandbox_api(sandbox_live):
    """`sandbox_api("POST", "/api/inbound", json=...)` → requests.Response from the sandbox's helper API."""

    def call(method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(method, f"{sandbox_live}/sandbox{path}", timeout=10, **kwargs)

    return call


@pytest.fixture
def embedded_number(sandbox_api):
    """An Embedded Signup account: (its business token, waba_id, phone_number_id), subscribed and registered."""

    def make(phone_number: str = "+573105550101", name: str = "Panadería Sol") -> tuple[str, str, str]:
        signup = sandbox_api("POST", "/api/embedded-signup", json={"business_name": name, "phone_number": phone_number})
        assert signup.status_code == 201, signup.text
        ids = signup.json()
        token = GraphClient("unused").exchange_code(ids["code"])["access_token"]
        client = GraphClient(token)
        client.subscribe_app(ids["waba_id"])
        client.register(ids["phone_number_id"], "123456")
        return token, ids["waba_id"], ids["phone_number_id"]

    return make
