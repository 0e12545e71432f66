"""Meta's alerts about accounts and numbers on the pages where they matter: the client's home and numbers pages
(its own alerts only) and the operator's dashboard (every alert), each with its next step."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tenants.models import AccountAlert, WhatsAppNumber
from tests.meta_fixtures import meta_payload

pytestmark = pytest.mark.django_db


def post_alert(post_webhook, number, **values: str) -> None:
    fill = {
        "entity_type": "BUSINESS",
        "entity_id": "506914307656634",
        "alert_severity": "WARNING",
        "alert_status": "ACTIVE",
        "alert_type": "INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO",
        **values,
    }
    assert post_webhook(meta_payload("account_alerts", number, **fill)).status_code == 200


@pytest.fixture
def own_account(tenant):
    """The tenant connected through Embedded Signup: its number lives in its own WABA."""
    WhatsAppNumber.objects.filter(pk=tenant.number.pk).update(connection_type="embedded", waba_id="222000111")
    tenant.number.refresh_from_db()
    return tenant


@pytest.mark.parametrize("page", ["/app/", "/app/numbers/"])
def test_the_client_sees_its_alert_with_the_next_step_in_spanish_and_english(
    post_webhook, client, own_account, other, page
):
    post_alert(post_webhook, own_account.number)
    client.force_login(own_account.owner)
    spanish = client.get(page, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert 'id="account-alerts"' in spanish
    assert "Meta necesita más información para subir el límite de mensajes" in spanish
    assert "Siguiente paso:" in spanish and "Centro de seguridad" in spanish
    assert "Limits cannot be increased for your business" in spanish  # Meta's own words, as it said them
    english = client.get(page, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Meta needs more information to raise the messaging limit" in english
    assert "Complete the identity verification" in english

    client.force_login(other.owner)  # another client sees nothing of it
    assert 'id="account-alerts"' not in client.get(page).content.decode()


def test_a_settled_alert_is_no_longer_shown(post_webhook, client, own_account):
    post_alert(post_webhook, own_account.number)
    post_alert(post_webhook, own_account.number, alert_status="NONE")
    client.force_login(own_account.owner)
    assert 'id="account-alerts"' not in client.get("/app/numbers/").content.decode()


def test_a_hosted_clients_number_alert_says_the_operator_takes_care_of_it(post_webhook, client, tenant):
    post_alert(
        post_webhook,
        tenant.number,
        entity_type="PHONE_NUMBER",
        entity_id=tenant.number.phone_number_id,
        alert_type="PROFILE_PICTURE_LOST",
        alert_severity="CRITICAL",
    )
    client.force_login(tenant.owner)
    html = client.get("/app/numbers/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Se eliminó la foto de perfil del número" in html and "account-alert bad" in html
    assert "Este número está en nuestra cuenta de WhatsApp" in html


def test_the_operator_sees_every_alert_with_whose_it_is(post_webhook, client, own_account, other, staff_user):
    post_alert(post_webhook, own_account.number)
    post_alert(post_webhook, other.number, alert_type="INCREASED_CAPABILITIES_ELIGIBILITY_FAILED")  # shared WABA
    post_alert(post_webhook, own_account.number, alert_type="SOMETHING_META_INVENTS")
    assert AccountAlert.objects.filter(client__isnull=True).count() == 1
    client.force_login(staff_user)
    html = client.get("/dashboard/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert html.count('class="account-alert') == 3
    assert own_account.client.name in html and "Tu propio portafolio (todos los números alojados)" in html
    assert "Meta no subirá el límite de mensajes" in html
    assert "Something meta invents" in html and "si el siguiente paso no es claro" in html
    assert "Este número está en nuestra cuenta" not in html  # that note is for clients, not for the operator


def test_the_page_has_no_alert_section_without_alerts(client, tenant):
    AccountAlert.objects.create(
        client=tenant.client, waba_id="1", alert_type="OBA_APPROVED", active=False, received_at=timezone.now()
    )
    client.force_login(tenant.owner)
    assert 'id="account-alerts"' not in client.get("/app/").content.decode()
