"""Project-level behaviour: health probe, token login, encrypted secrets, production settings."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from tenants.models import WhatsAppNumber
from tests.factories import UserFactory, WhatsAppNumberFactory

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == {"ok": True, "detail": connection.vendor}
    assert body["broker"]["ok"] is True


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, settings):
    from crm.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 503
    assert response.json()["broker"]["ok"] is False
    assert response.json()["database"]["ok"] is True


@pytest.mark.django_db
def test_token_login_with_email_and_password(client):
    UserFactory(username="ana@example.com", email="ana@example.com")
    response = client.post(
        "/api/auth/token", {"email": "ANA@example.com", "password": "s3cret-pass!"}, "application/json"
    )
    assert response.status_code == 200
    assert set(response.json()) == {"token"}
    token = response.json()["token"]
    assert len(token) >= 40
    # Each login is its own token (a device, a script); both work until logged out or expired.
    again = client.post("/api/auth/token", {"email": "ana@example.com", "password": "s3cret-pass!"}, "application/json")
    assert again.status_code == 200 and again.json()["token"] != token
    for value in (token, again.json()["token"]):
        assert client.get("/api/v1/numbers", HTTP_AUTHORIZATION=f"Token {value}").status_code != 401


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"email": "ana@example.com", "password": "wrong"},
        {"email": "nobody@example.com", "password": "s3cret-pass!"},
        {"email": "ana@example.com"},
        {},
    ],
)
def test_token_login_refuses_bad_credentials_with_400(client, body):
    UserFactory(username="ana@example.com", email="ana@example.com")
    response = client.post("/api/auth/token", body, "application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_credentials", "validation_error"}


@pytest.mark.django_db
def test_token_login_with_malformed_json_is_400(client):
    response = client.post("/api/auth/token", "{nope", "application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_request"


@pytest.mark.django_db
def test_meta_secrets_are_encrypted_at_rest():
    number = WhatsAppNumberFactory(pin="482913", business_token="EAAG-secret-business-token")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pin, business_token FROM tenants_whatsappnumber WHERE id = %s", [number.pk])
        pin, token = cursor.fetchone()
    assert "482913" not in pin and "EAAG" not in token
    fresh = WhatsAppNumber.objects.get(pk=number.pk)
    assert (fresh.pin, fresh.business_token) == ("482913", "EAAG-secret-business-token")


def run_manage(*args, **env):
    full_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


PRODUCTION = {
    "DEBUG": "false",
    "WHATSAPP_SANDBOX": "false",
    "SECRET_KEY": "x" * 60 + "production-like-secret-key-with-enough-entropy",
    "FIELD_ENCRYPTION_KEY": "XeHEccd6UT5FoxHtxnx-0GO9eIKfBlSGRpi_Kwb9cwE=",
    "ALLOWED_HOSTS": "crm.example.com",
    # Production needs Meta's credentials: the deploy check fails without them (tests/security/test_deploy_settings.py).
    "WHATSAPP_APP_ID": "1234567890",
    "WHATSAPP_APP_SECRET": "app-secret-from-meta",
    "WHATSAPP_VERIFY_TOKEN": "a-long-random-verify-token",
    "WHATSAPP_MASTER_TOKEN": "EAAG-system-user-token",
    "WHATSAPP_BUSINESS_ACCOUNT_ID": "100000000000009",
}


def test_production_settings_pass_the_deploy_check():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"WHATSAPP_SANDBOX": "true"}, "WHATSAPP_SANDBOX must be off"),
        ({"FIELD_ENCRYPTION_KEY": ""}, "FIELD_ENCRYPTION_KEY must be set"),
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
    ],
)
def test_production_refuses_to_start_misconfigured(override, message):
    result = run_manage("check", **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert message in result.stderr
