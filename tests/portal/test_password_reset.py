"""Password reset by e-mail (Django's views and tokens): the link is ours, never the request's Host; the answer
is the same with or without an account; staff and owners without a password are reached too."""

from __future__ import annotations

import pytest
from django.core import mail

from onboarding.services import register_client
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_the_link_in_the_mail_uses_the_public_address_not_the_host_header(client, tenant, settings):
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    settings.ALLOWED_HOSTS = ["*"]
    response = client.post("/accounts/password-reset/", {"email": tenant.owner.email}, HTTP_HOST="evil.example")
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    (message,) = mail.outbox
    assert "https://crm.example.com/accounts/password-reset/" in message.body
    assert "evil.example" not in message.body
    assert message.to == [tenant.owner.email]


def test_an_unknown_address_looks_the_same_and_sends_nothing(client, tenant):
    response = client.post("/accounts/password-reset/", {"email": "nadie@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []


def test_an_invalid_address_is_a_form_error_on_the_page(client):
    response = client.post("/accounts/password-reset/", {"email": "not-an-email"})
    assert response.status_code == 200 and response.context["form"].errors["email"]


def test_an_owner_who_never_chose_a_password_gets_the_link(client):
    register_client(name="Luis", email="luis@example.com", business_name="Taller Luis")
    client.post("/accounts/password-reset/", {"email": "luis@example.com"})
    assert len(mail.outbox) == 1


def test_a_forged_link_is_refused_in_words(client, tenant):
    response = client.get("/accounts/password-reset/MQ/set-password/")
    assert response.status_code == 200 and b'id="password-link-invalid"' in response.content
    tenant.owner.refresh_from_db()
    assert tenant.owner.check_password(PASSWORD)  # nothing changed


def _reset(client, email: str, address: str = "10.0.0.1"):
    return client.post("/accounts/password-reset/", {"email": email}, REMOTE_ADDR=address)


def test_requests_are_limited_per_email_alike_with_or_without_an_account(client, tenant, settings):
    settings.PASSWORD_RESET_EMAIL_RATE = "2/hour"
    for email in (tenant.owner.email, "nadie@example.com"):
        for n in range(2):  # from different addresses: the limit follows the e-mail, not the caller
            assert _reset(client, email, address=f"10.0.1.{n}").status_code == 302
        refused = _reset(client, email.upper(), address="10.0.1.9")  # the same address in capitals
        assert refused.status_code == 429
        assert refused.context["form"].non_field_errors() == [
            "Demasiadas solicitudes de una contraseña nueva. Inténtalo de nuevo en 60 minutos."
        ]
        assert 'role="alert"' in refused.content.decode()
    assert len(mail.outbox) == 2  # the two allowed requests for the account; none for the unknown address
    assert _reset(client, "otra@example.com", address="10.0.1.9").status_code == 302  # another e-mail is free


def test_requests_are_limited_per_caller_address(client, tenant, settings):
    settings.PASSWORD_RESET_IP_RATE = "3/hour"
    for n in range(3):
        assert _reset(client, f"persona{n}@example.com").status_code == 302
    refused = _reset(client, tenant.owner.email)
    assert refused.status_code == 429 and mail.outbox == []
    assert _reset(client, tenant.owner.email, address="10.0.0.2").status_code == 302  # another caller is not
    assert len(mail.outbox) == 1


def test_the_refusal_is_worded_in_english_too(client, settings):
    settings.PASSWORD_RESET_IP_RATE = "1/hour"
    _reset(client, "a@example.com")
    refused = client.post(
        "/accounts/password-reset/", {"email": "b@example.com"}, REMOTE_ADDR="10.0.0.1", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert refused.status_code == 429
    assert refused.context["form"].non_field_errors() == [
        "Too many requests for a new password. Try again in 60 minutes."
    ]
