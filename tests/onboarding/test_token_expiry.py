"""Business tokens from Embedded Signup run out (Meta's `expires_in`): the expiry is kept, the client and the
operator are warned once a week before, and the portal says to connect again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from tenants.models import WhatsAppNumber
from tests.onboarding.conftest import new_phone
from tests.onboarding.test_embedded_flow import finish
from whatsapp.services.number_health import warn_expiring_tokens

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_tokens_expiry_is_kept_and_warned_about_once_before_it_runs_out(api, settings, client):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    signup = api.register()
    popup = api.embedded_popup("Panadería Ana", new_phone())
    assert finish(api, signup["setup_code"], popup).status_code == 200
    number = WhatsAppNumber.objects.get(phone_number_id=popup["phone_number_id"])
    # The sandbox, like Meta's 60-day configuration, answers expires_in=5183944 seconds.
    expected = timezone.now() + timedelta(seconds=5183944)
    assert abs((number.business_token_expires_at - expected).total_seconds()) < 60
    assert not number.token_expires_soon and warn_expiring_tokens() == 0

    WhatsAppNumber.objects.filter(pk=number.pk).update(business_token_expires_at=timezone.now() + timedelta(days=3))
    assert warn_expiring_tokens() == 1
    assert warn_expiring_tokens() == 0  # once
    recipients = sorted(to for message in mail.outbox for to in message.to)
    assert "ops@example.com" in recipients and len(recipients) == 2
    assert number.phone_number in mail.outbox[0].subject

    number.refresh_from_db()
    assert number.token_expires_soon
    client.force_login(number.client.memberships.get(role="owner").user)
    page = client.get("/app/numbers/").content.decode()
    assert f'id="token-expiry-{number.pk}"' in page and "Vuelve a conectar con Meta" in page


def test_a_token_meta_says_never_expires_has_no_expiry(api, settings):
    from tenants.services import number_set_business_token

    number = WhatsAppNumber(connection_type=WhatsAppNumber.ConnectionType.EMBEDDED)
    number_set_business_token(number, token="t", expires_in=0)
    assert number.business_token_expires_at is None and not number.token_expires_soon
    number_set_business_token(number, token="t", expires_in="not a number")
    assert number.business_token_expires_at is None
