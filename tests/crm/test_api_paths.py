"""Machine-facing paths behave like an API: optional trailing slash, JSON 404s, JSON 500s."""

import pytest

from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/healthz", "/healthz/"])
def test_trailing_slash_is_optional(client, path):
    assert client.get(path).status_code == 200


def test_token_login_with_a_trailing_slash(client):
    UserFactory(username="ana@example.com", email="ana@example.com")
    response = client.post(
        "/api/auth/token/", {"email": "ana@example.com", "password": "s3cret-pass!"}, "application/json"
    )
    assert response.status_code == 200 and response.json()["token"]


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api/client/abc/stats", "/api/v1/knowledge/abc"])
def test_unknown_api_paths_are_json_404s(client, path):
    client.force_login(MembershipFactory().user)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_pages_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "json" not in response["Content-Type"]


def test_head_on_healthz(client):
    assert client.head("/healthz").status_code == 200


def test_an_unexpected_error_on_an_api_path_is_a_json_500(client, monkeypatch):
    from crm import health

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(health, "_database_ok", broken)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "server_error"


@pytest.mark.parametrize(
    "path",
    [
        "/api/client/99999999999999999999999/stats",
        "/api/v1/knowledge/%C2%B2",
        "/api/v1/conversations?number=%C2%B2",
        "/api/v1/knowledge/99999999999999999999999",
    ],
)
def test_odd_ids_from_a_client_user_are_4xx_never_500(client, path):
    client.force_login(MembershipFactory().user)
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert "error" in response.json() or "results" in response.json()


def test_choosing_a_client_with_an_odd_id_is_a_form_error(client):
    client.force_login(MembershipFactory().user)
    assert client.post("/app/choose/", {"client_id": "²"}).status_code == 400
