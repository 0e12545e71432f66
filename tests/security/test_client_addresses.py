"""Who the caller is: a forged X-Forwarded-For buys no extra login, sign-up or setup-code attempts.

The attack: every request names a new address in X-Forwarded-For, hoping each throttle counts it as a new
caller. With NUM_PROXIES=0 the header is ignored; with NUM_PROXIES=N only what our own proxies wrote counts.
"""

from __future__ import annotations

import itertools

import pytest
from django.test import RequestFactory

from audit.models import AuditEntry
from core.client_ip import client_ip
from tenants.api.views import LoginThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

_forged = (f"203.0.113.{n}" for n in itertools.count(1))


def forged() -> str:
    return next(_forged)


def token_login(client, email: str, **headers):
    return client.post("/api/auth/token", {"email": email, "password": "wrong"}, "application/json", **headers)


def register(client, email: str, **headers):
    body = {"name": "Ana", "email": email, "business_name": "Panadería"}
    return client.post("/api/clients/register", body, content_type="application/json", **headers)


def verify(client, **headers):
    body = {"setup_code": "x" * 32, "code": "123456"}
    return client.post("/api/clients/verify-whatsapp", body, content_type="application/json", **headers)


# --- the helper ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("num_proxies", "forwarded", "expected"),
    [
        (0, "198.51.100.7", "10.0.0.1"),  # ignored entirely
        (0, None, "10.0.0.1"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # right-most: written by our proxy
        (1, "198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 172.16.0.2", "198.51.100.7"),
        (1, None, "10.0.0.1"),  # not through the proxy: the peer itself
        (1, "not-an-address", "10.0.0.1"),  # never a free-form key
        (1, "6.6.6.6, 2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_trusts_only_our_proxies(settings, num_proxies, forwarded, expected):
    settings.NUM_PROXIES = num_proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", **headers)
    assert client_ip(request) == expected


def test_drf_and_our_helper_agree_on_the_address(settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert LoginThrottle().get_ident(request) == client_ip(request) == "198.51.100.7"


# --- the attack, NUM_PROXIES=0 --------------------------------------------------------------------
def test_rotating_forwarded_for_gets_no_more_token_logins(client, settings):
    settings.NUM_PROXIES = 0
    statuses = [
        token_login(client, f"nobody{n}@example.com", HTTP_X_FORWARDED_FOR=forged()).status_code for n in range(21)
    ]
    assert statuses[:20] == [400] * 20
    assert statuses[20] == 429
    # A genuinely different peer still gets its own budget.
    assert token_login(client, "someone@example.com", REMOTE_ADDR="10.9.9.9").status_code == 400


def test_rotating_forwarded_for_gets_no_more_signups(client, settings):
    settings.NUM_PROXIES = 0
    settings.ONBOARDING_SIGNUP_RATE = "2/hour"
    statuses = [register(client, f"a{n}@example.com", HTTP_X_FORWARDED_FOR=forged()).status_code for n in range(3)]
    assert statuses == [201, 201, 429]


def test_rotating_forwarded_for_gets_no_more_setup_code_attempts(client, settings):
    settings.NUM_PROXIES = 0
    settings.ONBOARDING_SETUP_CODE_RATE = "3/minute"
    statuses = [verify(client, HTTP_X_FORWARDED_FOR=forged()).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_signup_page_counts_the_same_address(client, settings):
    settings.NUM_PROXIES = 0
    settings.ONBOARDING_SIGNUP_RATE = "1/hour"
    assert register(client, "first@example.com", HTTP_X_FORWARDED_FOR=forged()).status_code == 201
    page = client.post(
        "/signup/",
        {"name": "B", "email": "b@example.com", "business_name": "B", "password": "pan-de-bono-2026"},
        HTTP_X_FORWARDED_FOR=forged(),
    )
    assert page.status_code == 429


# --- behind one proxy --------------------------------------------------------------------------------
def test_behind_one_proxy_the_right_most_address_is_the_client(client, settings):
    settings.NUM_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.ONBOARDING_SETUP_CODE_RATE = "2/minute"
    # One client rotating the part it writes itself: still one caller.
    same = [verify(client, HTTP_X_FORWARDED_FOR=f"{forged()}, 198.51.100.7").status_code for _ in range(3)]
    assert same == [404, 404, 429]
    # Another client behind the same proxy (same REMOTE_ADDR) is counted on its own.
    assert verify(client, HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 404


def test_audit_records_the_same_address(client, settings):
    settings.NUM_PROXIES = 1
    user = UserFactory(email="ana@example.com", username="ana@example.com")
    client.post(
        "/accounts/login/",
        {"username": user.email, "password": "wrong"},
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.ip_address == "198.51.100.7"
