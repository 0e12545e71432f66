"""The Content-Security-Policy header: on every kind of response, strict, and Meta's SDK only where it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "connect-src": {"'self'"},
    "frame-src": {"'self'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "object-src": {"'none'"},
    "base-uri": {"'self'"},
}
META = {
    "script-src": {"https://connect.facebook.net"},
    "frame-src": {"https://www.facebook.com", "https://*.facebook.com"},
    "connect-src": {"https://www.facebook.com", "https://*.facebook.com"},
}


def directives(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    parsed = {}
    for part in header.split(";"):
        name, *values = part.split()
        parsed[name] = set(values)
    return parsed


@pytest.mark.parametrize(
    "path", ["/accounts/login/", "/signup/", "/api/docs/", "/api/schema/", "/healthz", "/app/", "/no-such-page/"]
)
def test_every_response_carries_the_strict_policy(client, path):
    assert directives(client.get(path)) == STRICT


def test_nothing_inline_is_allowed(client):
    header = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "unsafe-inline" not in header and "unsafe-eval" not in header and "*" not in header.replace("*.", "")


def test_only_the_embedded_signup_page_adds_metas_sdk(client):
    client.post("/signup/", {"name": "Ana", "email": "ana@example.com", "business_name": "Ana"})
    connect = directives(client.get("/onboarding/connect/"))
    assert connect == {name: values | META.get(name, set()) for name, values in STRICT.items()}
    for path in ("/onboarding/", "/onboarding/hosted/"):
        assert directives(client.get(path)) == STRICT, path


def test_swagger_ui_runs_its_start_script_from_a_file(client):
    page = client.get("/api/docs/").content.decode()
    assert "<script>" not in page and "<style>" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.content.decode()
    assert script["Content-Type"].startswith("application/javascript")


def test_csp_report_uri_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['report-uri'])"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "true"}
    env["CSP_REPORT_URI"] = "https://reports.example.com/csp"
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "['https://reports.example.com/csp']"
