"""Fixtures shared by every test module."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from tests.factories import connected_number
from whatsapp.signature import sign_body


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def number(db):
    """An active hosted number whose sandbox twin accepts sends."""
    return connected_number()


@pytest.fixture
def post_webhook(client):
    """POST a Meta-signed webhook payload to /webhook/whatsapp through Django's test client."""

    def post(payload, *, signature: str | None = None):
        body = json.dumps(payload).encode() if not isinstance(payload, bytes) else payload
        headers = {"HTTP_X_HUB_SIGNATURE_256": signature if signature is not None else sign_body(body)}
        return client.post("/webhook/whatsapp", data=body, content_type="application/json", **headers)

    return post


@pytest.fixture
def sandbox_live(live_server, settings):
    """A live HTTP server where the product's Graph client talks to the sandbox over real HTTP.

    Returns the server's base URL. Status webhooks stay off unless a test turns them on.
    """
    settings.WHATSAPP_GRAPH_URL = f"{live_server.url}/sandbox/graph"
    settings.WEBHOOK_URL = f"{live_server.url}/webhook/whatsapp"
    settings.PUBLIC_BASE_URL = live_server.url
    return live_server.url


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Tests create many users; the production hasher's deliberate slowness only costs time here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def chromium(monkeypatch):
    """A launched Debian chromium (Playwright's sync API); see tests/browser.py for phone pages."""
    # Playwright's sync API runs an event loop on this thread; the test's ORM calls stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
