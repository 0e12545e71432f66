"""Log in with email and password, log out, pick a client when the user has several."""

from __future__ import annotations

import pytest

from tenants.models import Membership
from tests.factories import ClientFactory, MembershipFactory
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_in_spanish_by_default(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="es"' in html
    assert "Iniciar sesión" in html and "Correo electrónico" in html
    assert "csrfmiddlewaretoken" in html


def test_owner_logs_in_with_email_and_lands_on_the_portal(client, tenant):
    response = client.post("/accounts/login/", {"username": tenant.owner.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/app/"
    home = client.get("/app/")
    assert home.status_code == 200
    assert tenant.client.business_name in home.content.decode()


def test_wrong_password_is_a_form_error_not_a_login(client, tenant):
    response = client.post("/accounts/login/", {"username": tenant.owner.email, "password": "nope"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert 'role="alert"' in response.content.decode()
    assert client.get("/app/").status_code == 302


def test_anonymous_is_sent_to_login_with_next(client, db):
    response = client.get("/app/inbox/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/app/inbox/"


def test_logout_is_a_post(owner_client):
    assert owner_client.post("/accounts/logout/").status_code == 302
    assert owner_client.get("/app/").status_code == 302


def test_user_with_two_clients_picks_one_and_it_is_remembered(client, tenant):
    second = ClientFactory(business_name="Segundo Negocio")
    MembershipFactory(user=tenant.owner, client=second, role=Membership.Role.AGENT)
    client.force_login(tenant.owner)

    response = client.get("/app/")
    assert response.status_code == 302 and response["Location"] == "/app/choose/"
    page = client.get("/app/choose/").content.decode()
    assert "Segundo Negocio" in page and tenant.client.business_name in page

    assert client.post("/app/choose/", {"client_id": second.pk}).status_code == 302
    home = client.get("/app/").content.decode()
    assert 'id="client-name">Segundo Negocio<' in home
    assert 'id="switch-client"' in home
    # An agent there: no API keys.
    assert client.get("/app/settings/api-keys/").status_code == 403


def test_choosing_a_client_you_are_not_member_of_is_refused(client, tenant, other):
    MembershipFactory(user=tenant.owner, client=ClientFactory())
    client.force_login(tenant.owner)
    response = client.post("/app/choose/", {"client_id": other.client.pk})
    assert response.status_code == 400
    assert client.get("/app/").status_code == 302  # still has to choose
    assert client.post("/app/choose/", {"client_id": "abc"}).status_code == 400


def test_forged_session_client_id_is_ignored(client, tenant, other):
    client.force_login(tenant.owner)
    session = client.session
    session["portal_client_id"] = other.client.pk
    session.save()
    home = client.get("/app/").content.decode()
    assert tenant.client.business_name in home
    assert other.client.business_name not in home


def test_staff_without_a_client_goes_to_the_dashboard(client, staff_user):
    client.force_login(staff_user)
    response = client.get("/app/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_language_switch_to_english(owner_client):
    response = owner_client.post("/i18n/setlang/", {"language": "en", "next": "/app/"})
    assert response.status_code == 302
    html = owner_client.get("/app/").content.decode()
    assert 'lang="en"' in html
    assert "AI replies this month" in html and "respuestas de la IA" not in html
    assert owner_client.post("/i18n/setlang/", {"language": "es", "next": "/app/"}).status_code == 302
    assert "respuestas de la IA este mes" in owner_client.get("/app/").content.decode()
