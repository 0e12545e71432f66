"""Helpers of the onboarding tests: sign up over HTTP, read the code Meta "sent", talk to the sandbox."""

from __future__ import annotations

import itertools

import pytest
import requests

_phones = itertools.count(1)


def new_phone(suffix: str = "") -> str:
    """A fresh, valid Colombian mobile number (E.164); `suffix` picks the sandbox's magic endings."""
    body = f"300{next(_phones):07d}"
    if suffix:
        body = body[: -len(suffix)] + suffix
    return f"+57{body}"


class OnboardingApi:
    """The product's onboarding API and the sandbox's helper API over real HTTP."""

    def __init__(self, base_url: str):
        self.base_url = base_url

    def post(self, path: str, body: dict, **kwargs) -> requests.Response:
        return requests.post(f"{self.base_url}{path}", json=body, timeout=30, **kwargs)

    def register(self, **overrides) -> dict:
        n = next(_phones)
        body = {"name": "Ana Pérez", "email": f"ana{n}@example.com", "business_name": f"Panadería {n}", **overrides}
        response = self.post("/api/clients/register", body)
        assert response.status_code == 201, response.text
        return response.json()

    def add(self, setup_code: str, phone: str, headers: dict | None = None, **extra) -> requests.Response:
        body = {"setup_code": setup_code, "phone_number": phone, **extra}
        return self.post("/api/clients/add-whatsapp", body, headers=headers)

    def verify(self, setup_code: str, code: str) -> requests.Response:
        return self.post("/api/clients/verify-whatsapp", {"setup_code": setup_code, "code": code})

    def staff_headers(self) -> dict:
        """An operator's API token (staff), for the operator-only endpoints."""
        from tenants.tokens import api_token_issue
        from tests.factories import UserFactory

        return {"Authorization": f"Token {api_token_issue(user=UserFactory(is_staff=True))}"}

    def otp(self, phone: str) -> str:
        response = requests.get(f"{self.base_url}/sandbox/api/otp", params={"phone_number": phone}, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()["code"]

    def status(self, setup_code: str) -> dict:
        response = requests.get(
            f"{self.base_url}/api/clients/onboarding-status", params={"setup_code": setup_code}, timeout=10
        )
        assert response.status_code == 200, response.text
        return response.json()

    def fault(self, **body) -> None:
        response = self.post("/sandbox/api/faults", body)
        assert response.status_code == 201, response.text

    def embedded_popup(self, business_name: str, phone: str) -> dict:
        response = self.post("/sandbox/api/embedded-signup", {"business_name": business_name, "phone_number": phone})
        assert response.status_code == 201, response.text
        return response.json()

    def hosted_onboarding(self, phone: str | None = None) -> tuple[dict, str]:
        """Sign up and connect a hosted number all the way to active; returns (signup body, phone)."""
        phone = phone or new_phone()
        signup = self.register()
        assert self.add(signup["setup_code"], phone).status_code == 202
        response = self.verify(signup["setup_code"], self.otp(phone))
        assert response.status_code == 200, response.text
        return signup, phone


@pytest.fixture
def api(sandbox_live) -> OnboardingApi:
    return OnboardingApi(sandbox_live)
