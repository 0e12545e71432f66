"""POST /api/clients/register and the signup page: client, owner, setup code, QR, errors, rate limit, expiry."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from tenants.models import Client, Membership

pytestmark = pytest.mark.django_db

User = get_user_model()


def register(client, **overrides):
    body = {"name": "Ana Pérez", "email": "ana@example.com", "business_name": "Panadería Ana", **overrides}
    return client.post("/api/clients/register", body, content_type="application/json")


def test_register_creates_client_owner_and_setup_code(client, settings):
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    response = register(client)

    assert response.status_code == 201
    body = response.json()
    assert set(body) >= {"client_id", "setup_code", "qr_code", "onboarding_url", "next_step"}
    created = Client.objects.get(pk=body["client_id"])
    assert (created.business_name, created.email, created.status) == ("Panadería Ana", "ana@example.com", "onboarding")
    # Only the digest of the code is stored, and it expires after SETUP_CODE_TTL_DAYS.
    assert created.setup_code_digest == hashlib.sha256(body["setup_code"].encode()).hexdigest()
    assert body["setup_code"] not in str(Client.objects.filter(pk=created.pk).values().get())
    expected_expiry = timezone.now() + timedelta(days=settings.SETUP_CODE_TTL_DAYS)
    assert abs((created.setup_code_expires_at - expected_expiry).total_seconds()) < 60
    assert body["onboarding_url"] == f"https://crm.example.com/onboarding/{body['setup_code']}/"
    assert body["next_step"] == "add_whatsapp"
    svg = base64.b64decode(body["qr_code"].removeprefix("data:image/svg+xml;base64,"))
    assert body["qr_code"].startswith("data:image/svg+xml;base64,") and b"<svg" in svg
    owner = Membership.objects.get(client=created)
    assert owner.role == "owner" and owner.user.username == "ana@example.com"
    assert not owner.user.has_usable_password()


def test_setup_codes_are_unguessable_and_distinct(client):
    codes = {register(client, email=f"owner{i}@example.com").json()["setup_code"] for i in range(5)}
    assert len(codes) == 5
    assert all(len(code) >= 32 for code in codes)


def test_register_with_password_lets_the_owner_log_in(client):
    assert register(client, password="pan-de-bono-2026").status_code == 201
    response = client.post(
        "/api/auth/token", {"email": "ana@example.com", "password": "pan-de-bono-2026"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["token"]


def test_duplicate_email_answers_like_a_new_one_and_creates_nothing(client):
    # Sign-up must not tell whether an e-mail has an account: tests/security/test_signup_enumeration.py.
    assert register(client).status_code == 201
    response = register(client, email="ANA@example.com", business_name="Otra")
    assert response.status_code == 201
    assert Client.objects.count() == 1 and User.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"email": "not-an-email"}, "email"), ({"business_name": ""}, "business_name"), ({"name": None}, "name")],
)
def test_invalid_fields_are_400_validation_errors(client, overrides, field):
    response = register(client, **overrides)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    assert Client.objects.count() == 0


def test_weak_password_is_refused_and_nothing_is_created(client):
    response = register(client, password="123")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "weak_password"
    assert response.json()["error"]["details"]["password"]
    assert Client.objects.count() == 0 and User.objects.count() == 0


def test_signup_is_rate_limited_per_ip(client, settings):
    settings.ONBOARDING_SIGNUP_RATE = "2/hour"
    assert register(client, email="a1@example.com").status_code == 201
    assert register(client, email="a2@example.com").status_code == 201
    response = register(client, email="a3@example.com")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limited"
    assert Client.objects.count() == 2
    # Another address is not affected.
    other = client.post(
        "/api/clients/register",
        {"name": "B", "email": "b@example.com", "business_name": "B"},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert other.status_code == 201


def test_setup_code_endpoints_are_rate_limited_per_ip(client, settings):
    settings.ONBOARDING_SETUP_CODE_RATE = "3/minute"
    body = {"setup_code": "x" * 32, "code": "123456"}
    statuses = [
        client.post("/api/clients/verify-whatsapp", body, content_type="application/json").status_code for _ in range(4)
    ]
    assert statuses == [404, 404, 404, 429]


def test_unknown_setup_code_is_404(client):
    response = client.post(
        "/api/clients/verify-whatsapp", {"setup_code": "nope" * 10, "code": "123456"}, content_type="application/json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "invalid_setup_code"


def test_setup_code_expires_after_the_ttl(client, settings):
    settings.SETUP_CODE_TTL_DAYS = 7
    setup_code = register(client).json()["setup_code"]
    status_url = f"/api/clients/onboarding-status?setup_code={setup_code}"
    with time_machine.travel(timezone.now() + timedelta(days=6, hours=23), tick=False):
        assert client.get(status_url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=False):
        response = client.post(
            "/api/clients/add-whatsapp",
            {"setup_code": setup_code, "phone_number": "+573001234567"},
            content_type="application/json",
        )
        assert response.status_code == 410
        assert response.json()["error"]["code"] == "setup_code_expired"
        page = client.get(f"/onboarding/{setup_code}/")
        assert page.status_code == 410
        assert b'data-error="setup_code_expired"' in page.content


def test_setup_qr_png_download(client):
    setup_code = register(client).json()["setup_code"]
    response = client.get(f"/onboarding/{setup_code}/qr.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG")
    assert client.get("/onboarding/" + "z" * 32 + "/qr.png").status_code == 404


def test_signup_page_creates_the_client_and_opens_onboarding(client):
    page = client.get("/signup/")
    assert page.status_code == 200 and b"csrfmiddlewaretoken" in page.content
    response = client.post(
        "/signup/", {"name": "Luis", "email": "luis@example.com", "business_name": "Taller Luis", "password": ""}
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/onboarding/")
    created = Client.objects.get(email="luis@example.com")
    assert created.memberships.get().role == "owner"
    onboarding = client.get(response["Location"])
    assert onboarding.status_code == 200
    assert b'id="choose-hosted"' in onboarding.content and b'id="choose-embedded"' in onboarding.content


def test_signup_page_answers_a_duplicate_email_like_a_new_one(client):
    # No "this e-mail has an account" error: tests/security/test_signup_enumeration.py.
    assert register(client).status_code == 201
    response = client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Otra"})
    assert response.status_code == 302 and response["Location"].startswith("/onboarding/")
    assert Client.objects.count() == 1


def test_pages_speak_spanish_by_default_and_english_on_request(client):
    spanish = client.get("/signup/")
    assert 'lang="es"' in spanish.content.decode()
    english = client.get("/signup/", HTTP_ACCEPT_LANGUAGE="en")
    assert 'lang="en"' in english.content.decode()
    assert "Create my account" in english.content.decode()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/signup/"})
    assert switched.status_code == 302
    assert 'lang="en"' in client.get("/signup/").content.decode()


def test_signup_page_shares_the_api_rate_limit(client, settings):
    settings.ONBOARDING_SIGNUP_RATE = "1/hour"
    assert register(client, email="first@example.com").status_code == 201
    response = client.post("/signup/", {"name": "Luis", "email": "luis@example.com", "business_name": "Taller"})
    assert response.status_code == 429
    assert b'data-error="rate_limited"' in response.content
    assert not Client.objects.filter(email="luis@example.com").exists()


def test_spanish_is_the_default_language_of_the_pages(client):
    page = client.get("/signup/").content.decode()
    assert "Crear mi cuenta" in page and "Create my account" not in page


def test_signup_page_lists_why_a_password_is_weak(client):
    response = client.post(
        "/signup/", {"name": "Luis", "email": "luis@example.com", "business_name": "Taller", "password": "123"}
    )
    assert response.status_code == 200
    assert len(response.context["form"].errors["password"]) >= 2  # too short, too common, numeric...
    assert not Client.objects.exists()
