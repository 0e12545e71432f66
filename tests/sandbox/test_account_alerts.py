"""/sandbox/api/account-alerts: the sandbox raises Meta's `account_alerts` webhook, signed, to the product."""

from __future__ import annotations

import pytest

from sandbox.models import SandboxPhoneNumber
from tenants.models import AccountAlert
from tests.sandbox.conftest import live_db
from whatsapp.models import WebhookEvent

pytestmark = live_db


def test_a_number_alert_reaches_the_product_and_is_kept_for_the_numbers_client(sandbox_api, number):
    answer = sandbox_api(
        "POST",
        "/api/account-alerts",
        json={"phone_number_id": number.phone_number_id, "alert_type": "PROFILE_PICTURE_LOST"},
    )
    assert answer.status_code == 200 and answer.json() == {"webhook_status": 200}, answer.text
    [alert] = AccountAlert.objects.all()
    assert (alert.client_id, alert.number_id, alert.entity_type) == (number.client_id, number.pk, "PHONE_NUMBER")
    assert (alert.alert_type, alert.severity, alert.active) == ("PROFILE_PICTURE_LOST", "WARNING", True)
    assert alert.description == "Please reupload your profile picture"
    value = WebhookEvent.objects.get().payload["entry"][0]["changes"][0]["value"]
    assert value["entity_id"] == number.phone_number_id and value["alert_info"]["alert_status"] == "ACTIVE"

    settled = sandbox_api(
        "POST",
        "/api/account-alerts",
        json={"phone_number_id": number.phone_number_id, "alert_type": "PROFILE_PICTURE_LOST", "alert_status": "NONE"},
    )
    assert settled.json() == {"webhook_status": 200}
    assert AccountAlert.objects.get().active is False


def test_a_portfolio_alert_names_the_business(sandbox_api, number, settings):
    answer = sandbox_api(
        "POST",
        "/api/account-alerts",
        json={
            "waba_id": settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            "alert_type": "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED",
        },
    )
    assert answer.json() == {"webhook_status": 200}
    [alert] = AccountAlert.objects.all()
    assert alert.client_id is None and (alert.entity_type, alert.severity) == ("BUSINESS", "CRITICAL")


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"waba_id": "1", "alert_type": "OBA_APPROVED"}, 404),
        ({"phone_number_id": "nope", "alert_type": "OBA_APPROVED"}, 404),
        ({"alert_type": "OBA_APPROVED"}, 404),
        ({"waba_id": "{waba}", "alert_type": "OBA_APPROVED"}, 400),  # about a number: needs phone_number_id
        ({"waba_id": "{waba}", "alert_type": "not a type"}, 400),
        ({"waba_id": "{waba}", "alert_type": "OBA_APPROVED", "alert_status": "MAYBE"}, 400),
        ({"waba_id": "{waba}", "alert_type": "SOMETHING_NEW", "alert_severity": "LOUD"}, 400),
    ],
)
def test_bad_alert_requests_are_refused_and_post_nothing(sandbox_api, number, settings, body, status):
    body = {k: (settings.WHATSAPP_BUSINESS_ACCOUNT_ID if v == "{waba}" else v) for k, v in body.items()}
    answer = sandbox_api("POST", "/api/account-alerts", json=body)
    assert answer.status_code == status and answer.json()["error"]["code"] in ("not_found", "invalid")
    assert not WebhookEvent.objects.exists() and not AccountAlert.objects.exists()
    assert sandbox_api("POST", "/api/account-alerts", data=b"[").status_code == 400


@pytest.mark.django_db(transaction=True)  # the admin lists every app: the whole registry, not live_db's
def test_the_sandbox_admin_raises_alerts_for_numbers_and_accounts(admin_client, number, sandbox_live):
    twin = SandboxPhoneNumber.objects.get(phone_number_id=number.phone_number_id)
    answer = admin_client.post(
        "/admin/sandbox/sandboxphonenumber/",
        {"action": "alert_profile_picture_lost", "_selected_action": [twin.pk]},
        follow=True,
    )
    assert answer.status_code == 200 and "1 de 1 webhooks entregados" in answer.content.decode()  # Spanish admin
    admin_client.post(
        "/admin/sandbox/sandboxbusinessaccount/",
        {"action": "alert_limit_deferred", "_selected_action": [twin.account.pk]},
    )
    kept = {(a.alert_type, a.number_id) for a in AccountAlert.objects.all()}
    assert kept == {("PROFILE_PICTURE_LOST", number.pk), ("INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED", None)}
