"""Sign-up must not tell whether an e-mail already has an account.

The attack: POST /api/clients/register (or the /signup/ page) with someone's e-mail answered 400
`email_in_use`, so anyone could check which e-mails are customers. Now both answer alike (201, the same
fields; the page redirects alike), nothing changes, and the account holder is told by e-mail instead.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection

from tenants.models import Client, Membership
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


def register(client, **overrides):
    body = {"name": "Eva Intrusa", "email": "ana@example.com", "business_name": "Negocio Falso", **overrides}
    return client.post("/api/clients/register", body, content_type="application/json")


@pytest.fixture
def ana(db):
    """An owner with an account, a client and a password."""
    membership = MembershipFactory(
        role=Membership.Role.OWNER, user__username="ana@example.com", user__email="ana@example.com"
    )
    return membership.user


def shape(body: dict) -> dict:
    return {name: type(value).__name__ for name, value in body.items()}


def test_an_existing_email_answers_exactly_like_a_new_one(client, ana, django_capture_on_commit_callbacks):
    new = register(client, email="nueva@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        known = register(client, email="ANA@example.com")

    assert (new.status_code, known.status_code) == (201, 201)
    assert shape(known.json()) == shape(new.json())
    assert len(known.json()["setup_code"]) == len(new.json()["setup_code"])
    assert known.json()["next_step"] == new.json()["next_step"] == "add_whatsapp"
    assert known.json()["onboarding_url"].endswith(f"/onboarding/{known.json()['setup_code']}/")
    assert known.json()["client_id"] not in set(Client.objects.values_list("pk", flat=True))


def test_an_existing_email_changes_nothing_and_the_holder_is_told(client, ana, django_capture_on_commit_callbacks):
    clients_before, password_before = Client.objects.count(), ana.password
    with django_capture_on_commit_callbacks(execute=True):
        response = register(client, password="otra-clave-larga-2026")

    assert response.status_code == 201
    assert Client.objects.count() == clients_before and User.objects.count() == 1
    ana.refresh_from_db()
    assert ana.password == password_before  # the stranger's password was never set
    assert Membership.objects.filter(user=ana).count() == 1
    assert len(mail.outbox) == 1
    notice = mail.outbox[0]
    assert notice.to == ["ana@example.com"]
    assert notice.subject == "Alguien intentó registrarse con tu correo"  # Spanish first
    assert "Negocio Falso" in notice.body and "/accounts/login/" in notice.body
    assert response.json()["setup_code"] not in notice.body


def test_the_answer_opens_nothing(client, ana):
    body = register(client).json()
    follow = client.post(
        "/api/clients/add-whatsapp",
        {"setup_code": body["setup_code"], "phone_number": "+573001234567"},
        content_type="application/json",
    )
    assert follow.status_code == 404
    assert follow.json()["error"]["code"] == "invalid_setup_code"
    assert client.get(f"/api/client/{body['client_id']}/stats").status_code in (401, 403, 404)


def test_repeated_attempts_send_one_notice_an_hour(client, ana, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        statuses = [register(client).status_code for _ in range(4)]
    assert statuses == [201] * 4
    assert len(mail.outbox) == 1  # nobody can flood an owner's inbox through the sign-up


def test_a_weak_password_is_refused_alike(client, ana):
    new = register(client, email="nueva@example.com", password="123")
    known = register(client, password="123")
    assert (new.status_code, known.status_code) == (400, 400)
    assert new.json()["error"]["code"] == known.json()["error"]["code"] == "weak_password"
    assert not mail.outbox


def test_the_signup_page_answers_alike(client, ana, django_capture_on_commit_callbacks):
    form = {"name": "Eva", "business_name": "Negocio Falso"}
    clients_before = Client.objects.count()
    new = client.post("/signup/", {**form, "email": "nueva@example.com"})
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post("/signup/", {**form, "email": "ana@example.com"})

    assert (new.status_code, known.status_code) == (302, 302)
    assert new["Location"].startswith("/onboarding/") and known["Location"].startswith("/onboarding/")
    assert len(known["Location"]) == len(new["Location"])
    assert Client.objects.count() == clients_before + 1  # the new e-mail's client only
    assert [m.to for m in mail.outbox] == [["ana@example.com"]]


@pytest.mark.postgres
def test_client_ids_move_on_as_for_a_real_signup(client, ana):
    assert connection.vendor == "postgresql"
    first = register(client, email="uno@example.com").json()["client_id"]
    probe = register(client).json()["client_id"]
    last = register(client, email="dos@example.com").json()["client_id"]
    assert first < probe < last  # the id between two real sign-ups does not give the probe away
