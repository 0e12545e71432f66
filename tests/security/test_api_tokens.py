"""People's API tokens (tenants/tokens.py): hashed at rest, expiring, ended by logout, never shown whole.

The weaknesses this replaces: tokens stored in clear (a database copy or a back-office glance was a login),
shown whole in the back office, valid forever and surviving logout.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from knox.models import AuthToken

from tests.factories import ClientFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-pass!"


@pytest.fixture
def member(db):
    return MembershipFactory(client=ClientFactory(), user__username="ana@example.com", user__email="ana@example.com")


def log_in(client, email: str = "ana@example.com") -> str:
    response = client.post("/api/auth/token", {"email": email, "password": PASSWORD}, "application/json")
    assert response.status_code == 200, response.content
    return response.json()["token"]


def numbers(client, token: str):
    return client.get("/api/v1/numbers", HTTP_AUTHORIZATION=f"Token {token}")


def assert_401_json(response) -> None:
    assert response.status_code == 401, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"]["code"] in {"authentication_failed", "not_authenticated"}


def test_the_token_works_for_the_api(client, member):
    token = log_in(client)
    assert numbers(client, token).status_code == 200


def test_the_database_holds_only_a_digest(client, member):
    token = log_in(client)
    table = AuthToken._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table}")
        rows = cursor.fetchall()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0])
    assert token not in stored
    assert hashlib.sha512(token.encode()).hexdigest() in stored  # what is kept: the digest
    assert "authtoken_token" not in connection.introspection.table_names()  # the plaintext table is gone


def test_a_token_expires_after_the_ttl(client, member, settings):
    settings.API_TOKEN_TTL_HOURS = 2
    token = log_in(client)
    row = AuthToken.objects.get()
    assert abs((row.expiry - (timezone.now() + timedelta(hours=2))).total_seconds()) < 60
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=59)):
        assert numbers(client, token).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=2, minutes=1)):
        assert_401_json(numbers(client, token))
    assert_401_json(numbers(client, token))  # gone for good, not only while time is moved
    assert not AuthToken.objects.exists()


def test_logout_revokes_the_token_used_and_only_that_one(client, member):
    phone, laptop = log_in(client), log_in(client)
    response = client.post("/api/auth/logout", HTTP_AUTHORIZATION=f"Token {phone}")
    assert response.status_code == 204
    assert_401_json(numbers(client, phone))
    assert_401_json(client.post("/api/auth/logout", HTTP_AUTHORIZATION=f"Token {phone}"))
    assert numbers(client, laptop).status_code == 200


def test_logout_without_a_token_is_401_json(client, member):
    assert_401_json(client.post("/api/auth/logout"))
    assert_401_json(client.post("/api/auth/logout", HTTP_AUTHORIZATION="Token not-a-real-token"))


def test_logout_with_an_api_key_or_a_session_is_refused(client, member):
    from tenants.authentication import create_api_key

    _, raw = create_api_key(client=member.client, name="tests")
    assert client.post("/api/auth/logout", HTTP_AUTHORIZATION=f"Api-Key {raw}").status_code == 401
    client.force_login(member.user)
    assert client.post("/api/auth/logout").status_code == 401


@pytest.mark.parametrize(
    "header",
    [b"Token \xff\xfe\xfd", "Token ñandú".encode("latin-1"), b"Token a b", b"Token", b"Token " + b"a" * 5000],
)
def test_malformed_token_headers_are_401_not_500(client, member, header):
    response = client.get("/api/v1/numbers", HTTP_AUTHORIZATION=header.decode("latin-1"))
    assert_401_json(response)


def test_an_inactive_user_token_stops_working(client, member):
    token = log_in(client)
    member.user.is_active = False
    member.user.save(update_fields=["is_active"])
    assert_401_json(numbers(client, token))


def test_the_back_office_shows_a_prefix_never_the_token(client, member):
    token = log_in(client)
    operator = UserFactory(username="ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(operator)
    listing = client.get("/admin/knox/authtoken/")
    assert listing.status_code == 200
    page = listing.content.decode()
    assert "ana@example.com" in page and f"{token[:8]}…" in page
    assert token not in page and token[:15] not in page
    row = AuthToken.objects.get()
    detail = client.get(f"/admin/knox/authtoken/{row.pk}/change/")
    assert detail.status_code == 200 and token not in detail.content.decode()
    assert client.get("/admin/knox/authtoken/add/").status_code == 403  # tokens come from logging in


def test_the_back_office_can_revoke_a_token(client, member):
    token = log_in(client)
    operator = UserFactory(username="ops@example.com", is_staff=True, is_superuser=True)
    client.force_login(operator)
    row = AuthToken.objects.get()
    response = client.post(f"/admin/knox/authtoken/{row.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    client.logout()
    assert_401_json(numbers(client, token))


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_the_old_plaintext_tokens():
    executor = MigrationExecutor(connection)
    executor.migrate([("tenants", "0004_health_sync_schedule")])
    with connection.cursor() as cursor:  # what rest_framework.authtoken left behind
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, user_id integer, created text)")
        cursor.execute("INSERT INTO authtoken_token VALUES ('9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b', 1, 'x')")
        cursor.execute(
            "INSERT INTO django_migrations (app, name, applied) VALUES ('authtoken', '0001_initial', '2026-01-01')"
        )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        assert "authtoken_token" not in connection.introspection.table_names()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM django_migrations WHERE app = 'authtoken'")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE IF EXISTS authtoken_token")
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
