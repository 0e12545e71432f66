"""Login lockout (django-axes, tenants/lockout.py) on every way in: portal, back office and the token API.

The attack: guess an account's password without limit (the login throttle alone only slows one address).
After AXES_FAILURE_LIMIT failures the account is locked from that address, even for the right password,
until the cool-off ends; a success clears the count; other accounts are not affected.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass!"


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_ACCOUNT_FAILURE_LIMIT = 6
    settings.AXES_IP_FAILURE_LIMIT = 10
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


@pytest.fixture
def ana(db):
    return UserFactory(username="ana", email="ana@example.com")


@pytest.fixture
def luis(db):
    return UserFactory(username="luis@example.com", email="luis@example.com")


def portal_login(client, email: str, password: str, **extra):
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)


def admin_login(client, username: str, password: str, **extra):
    return client.post("/admin/login/?next=/admin/", {"username": username, "password": password}, **extra)


def token_login(client, email: str, password: str, **extra):
    return client.post("/api/auth/token", {"email": email, "password": password}, "application/json", **extra)


def fail(login, client, who: str, times: int, **extra) -> list[int]:
    return [login(client, who, "wrong-password", **extra).status_code for _ in range(times)]


# --- the portal ------------------------------------------------------------------------------------
def test_portal_locks_the_account_after_the_limit(client, ana, luis):
    assert fail(portal_login, client, ana.email, 2) == [200, 200]  # form errors
    locked = portal_login(client, ana.email, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert 'lang="es"' in page and "Demasiados intentos fallidos" in page and "15 minutos" in page
    assert 'role="alert"' in page and 'href="/accounts/login/"' in page
    assert locked["Retry-After"] == "900"

    # The right password does not get in while locked.
    assert portal_login(client, ana.email, PASSWORD).status_code == 429
    assert client.get("/app/").status_code == 302

    # Another account from the same address still logs in.
    assert portal_login(client, luis.email, PASSWORD).status_code == 302


def test_lockout_page_speaks_english_too(client, ana):
    fail(portal_login, client, ana.email, 3)
    response = portal_login(client, ana.email, PASSWORD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    page = response.content.decode()
    assert 'lang="en"' in page and "Too many failed login attempts" in page and "15 minutes" in page


def test_changing_case_or_using_the_username_is_the_same_account(client, ana):
    statuses = [
        portal_login(client, "ANA@example.com", "x").status_code,
        portal_login(client, "ana", "x").status_code,
        portal_login(client, "Ana@Example.COM", "x").status_code,
    ]
    assert statuses == [200, 200, 429]
    assert portal_login(client, "ana@example.com", PASSWORD).status_code == 429


def test_a_success_clears_the_failures(client, ana):
    assert fail(portal_login, client, ana.email, 2) == [200, 200]
    assert portal_login(client, ana.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    # Without the reset, these would be failures 3 and 4.
    assert fail(portal_login, client, ana.email, 2) == [200, 200]
    assert portal_login(client, ana.email, PASSWORD).status_code == 302


def test_the_lock_ends_after_the_cooloff(client, ana):
    fail(portal_login, client, ana.email, 3)
    assert portal_login(client, ana.email, PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert portal_login(client, ana.email, PASSWORD).status_code == 302


def test_the_owner_elsewhere_is_not_locked_by_someone_guessing(client, ana):
    fail(portal_login, client, ana.email, 3, REMOTE_ADDR="198.51.100.66")
    assert portal_login(client, ana.email, PASSWORD, REMOTE_ADDR="198.51.100.66").status_code == 429
    assert portal_login(client, ana.email, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 302


def test_guesses_spread_over_many_addresses_still_lock_the_account(client, ana):
    # Two tries from each of three addresses: under the per-address limit, at the per-account one (6).
    statuses = [
        portal_login(client, ana.email, "x", REMOTE_ADDR=f"198.51.100.{n}").status_code for n in (1, 1, 2, 2, 3, 3)
    ]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429
    assert portal_login(client, ana.email, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 429


def test_one_address_trying_many_accounts_is_locked(client, luis):
    # Credential stuffing: one try per account, ten accounts, from one address.
    statuses = [portal_login(client, f"victim{n}@example.com", "x").status_code for n in range(10)]
    assert statuses[:9] == [200] * 9 and statuses[9] == 429
    assert portal_login(client, luis.email, PASSWORD).status_code == 429
    # Luis elsewhere is fine, and logging in to one's own account does not wipe the address's count.
    assert portal_login(client, luis.email, PASSWORD, REMOTE_ADDR="10.1.1.1").status_code == 302


def test_forged_forwarded_for_does_not_escape_the_lock(client, ana, settings):
    settings.NUM_PROXIES = 0
    statuses = [
        portal_login(client, ana.email, "x", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(3)
    ]
    assert statuses == [200, 200, 429]


# --- the back office -------------------------------------------------------------------------------
def test_admin_login_locks_too(client, luis):
    staff = UserFactory(username="ops@example.com", email="ops@example.com", is_staff=True, is_superuser=True)
    assert fail(admin_login, client, staff.username, 2) == [200, 200]
    locked = admin_login(client, staff.username, "wrong-password")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Demasiados intentos fallidos" in page and 'href="/admin/login/"' in page
    assert admin_login(client, staff.username, PASSWORD).status_code == 429
    assert client.get("/admin/").status_code == 302  # still not in

    other_staff = UserFactory(username="ops2@example.com", email="ops2@example.com", is_staff=True)
    assert admin_login(client, other_staff.username, PASSWORD).status_code == 302


# --- the token API ---------------------------------------------------------------------------------
def test_token_api_locks_with_a_json_429(client, ana, luis):
    assert fail(token_login, client, ana.email, 2) == [400, 400]
    locked = token_login(client, ana.email, "wrong-password")
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    error = locked.json()["error"]
    assert error["code"] == "locked_out" and "15" in error["message"]

    right = token_login(client, ana.email, PASSWORD)
    assert right.status_code == 429 and "token" not in right.json()

    ok = token_login(client, luis.email, PASSWORD)
    assert ok.status_code == 200 and ok.json()["token"]


def test_token_api_success_clears_the_failures(client, ana):
    assert fail(token_login, client, ana.email, 2) == [400, 400]
    assert token_login(client, ana.email, PASSWORD).status_code == 200
    assert fail(token_login, client, ana.email, 2) == [400, 400]
    assert token_login(client, ana.email, PASSWORD).status_code == 200


def test_failures_count_across_portal_and_api(client, ana):
    assert portal_login(client, ana.email, "x").status_code == 200
    assert token_login(client, ana.email, "x").status_code == 400
    assert portal_login(client, ana.email, "x").status_code == 429
    assert token_login(client, ana.email, PASSWORD).status_code == 429
