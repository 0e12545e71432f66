"""The operator's dashboard hides sign-ups whose setup link expired unused; the API keeps every client."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from onboarding.services import register_client
from tenants.models import Client
from tenants.selectors import abandoned_signup_ids
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_abandoned_means_onboarding_with_an_expired_or_long_unused_setup_link(settings):
    register_client(name="Ana", email="ana@example.com", business_name="Nueva")
    expired, _ = register_client(name="Eva", email="eva@example.com", business_name="Vieja")
    Client.objects.filter(pk=expired.pk).update(setup_code_expires_at=timezone.now() - timedelta(minutes=1))
    old_without_code, _ = register_client(name="Leo", email="leo@example.com", business_name="Sin código")
    Client.objects.filter(pk=old_without_code.pk).update(
        setup_code_expires_at=None, created_at=timezone.now() - timedelta(days=settings.SETUP_CODE_TTL_DAYS + 1)
    )
    live, _ = register_client(name="Sol", email="sol@example.com", business_name="En línea")
    Client.objects.filter(pk=live.pk).update(
        status=Client.Status.ACTIVE, setup_code_expires_at=timezone.now() - timedelta(days=30)
    )
    assert abandoned_signup_ids() == {expired.pk, old_without_code.pk}


def test_the_page_filters_and_the_api_does_not(client):
    expired, _ = register_client(name="Eva", email="eva@example.com", business_name="Vieja")
    Client.objects.filter(pk=expired.pk).update(setup_code_expires_at=timezone.now() - timedelta(minutes=1))
    client.force_login(UserFactory(is_staff=True))
    page = client.get("/dashboard/")
    assert page.status_code == 200 and [row["client_id"] for row in page.context["clients"]] == []
    everyone = client.get("/dashboard/", {"show": "all"})
    assert [row["client_id"] for row in everyone.context["clients"]] == [expired.pk]
    assert client.get("/dashboard/", {"show": "x"}).status_code == 400
    api = client.get("/api/dashboard/metrics")
    assert [row["client_id"] for row in api.json()["results"]] == [expired.pk]
