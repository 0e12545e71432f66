"""Meta's `account_alerts` (and the `account_update` events someone must act on) kept per WABA and number."""

from __future__ import annotations

import json

import pytest

from tenants.models import AccountAlert
from tests.factories import WhatsAppNumberFactory
from tests.meta_fixtures import meta_payload
from whatsapp.models import WebhookEvent

pytestmark = pytest.mark.django_db

OPERATOR_WABA = "100000000000001"  # the sandbox default of WHATSAPP_BUSINESS_ACCOUNT_ID, the factories' WABA


def alert(number, **values: str) -> dict:
    fill = {
        "entity_type": "BUSINESS",
        "entity_id": "506914307656634",
        "alert_severity": "WARNING",
        "alert_status": "ACTIVE",
        "alert_type": "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED",
        **values,
    }
    return meta_payload("account_alerts", number, **fill)


@pytest.fixture
def embedded():
    return WhatsAppNumberFactory(connection_type="embedded", waba_id="222000111")


def test_an_alert_about_a_clients_own_account_is_kept_for_that_client_once(post_webhook, embedded):
    hosted = WhatsAppNumberFactory()  # another client, in the operator's WABA: not concerned
    payload = alert(embedded)
    assert post_webhook(payload).status_code == 200
    assert post_webhook(payload).status_code == 200  # Meta delivers it again: still one alert

    [kept] = AccountAlert.objects.all()
    assert (kept.client, kept.number, kept.waba_id) == (embedded.client, None, "222000111")
    assert (kept.entity_type, kept.entity_id, kept.severity, kept.active) == (
        "BUSINESS",
        "506914307656634",
        "WARNING",
        True,
    )
    assert kept.description.startswith("Limits cannot be increased")
    assert kept.payload["a_field_meta_adds_later"] == {"kept": True}  # unknown fields stored, ignored
    assert not AccountAlert.objects.for_client(hosted.client).exists()
    assert "1 alert(s) kept" in WebhookEvent.objects.first().detail


def test_alert_status_none_settles_the_alert(post_webhook, embedded):
    post_webhook(alert(embedded))
    post_webhook(alert(embedded, alert_status="NONE"))
    kept = AccountAlert.objects.get()
    assert kept.active is False and kept.settled_at is not None


def test_a_number_alert_in_the_operators_account_goes_to_the_client_of_that_number(post_webhook):
    hosted = WhatsAppNumberFactory()
    neighbour = WhatsAppNumberFactory()  # same shared WABA, another client
    post_webhook(
        alert(
            hosted,
            entity_type="PHONE_NUMBER",
            entity_id=hosted.phone_number_id,
            alert_type="PROFILE_PICTURE_LOST",
            alert_severity="CRITICAL",
        )
    )
    [kept] = AccountAlert.objects.all()
    assert (kept.client, kept.number, kept.waba_id) == (hosted.client, hosted, OPERATOR_WABA)
    assert not AccountAlert.objects.for_client(neighbour.client).exists()


def test_a_portfolio_alert_on_the_operators_account_belongs_to_the_operator_only(post_webhook):
    hosted = WhatsAppNumberFactory()
    post_webhook(alert(hosted, alert_type="INCREASED_CAPABILITIES_ELIGIBILITY_FAILED", alert_severity="CRITICAL"))
    post_webhook(alert(hosted, alert_type="INCREASED_CAPABILITIES_ELIGIBILITY_FAILED", alert_severity="CRITICAL"))
    [kept] = AccountAlert.objects.all()
    assert kept.client is None and kept.waba_id == OPERATOR_WABA
    assert not AccountAlert.objects.for_client(hosted.client).exists()


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"alert_info": "not an object", "entity_id": ["x"]},
        {"entity_type": 7, "alert_info": {"alert_type": None, "alert_status": {"a": 1}}},
        {"alert_info": {"alert_type": "SOMETHING_META_INVENTS", "alert_status": 3, "alert_severity": ["x"]}},
    ],
)
def test_odd_or_unknown_alerts_are_kept_and_never_a_5xx(post_webhook, embedded, value):
    payload = {
        "object": "whatsapp_business_account",
        "entry": [{"id": embedded.waba_id, "changes": [{"field": "account_alerts", "value": value}]}],
    }
    assert post_webhook(payload).status_code == 200
    event = WebhookEvent.objects.get()
    assert event.outcome in ("processed", "ignored") and json.loads(event.body) == payload
    kept = list(AccountAlert.objects.all())
    assert [a.alert_type for a in kept] == (["SOMETHING_META_INVENTS"] if kept else [])


def test_an_alert_for_an_unknown_account_is_stored_and_ignored(post_webhook):
    other = WhatsAppNumberFactory.build(waba_id="999999999", phone_number_id="1", phone_number="+573000000001")
    assert post_webhook(alert(other)).status_code == 200
    assert not AccountAlert.objects.exists()
    assert "unknown WABA" in WebhookEvent.objects.get().detail


def test_a_policy_violation_becomes_an_alert_and_a_reinstated_account_settles_it(post_webhook, embedded):
    def account_update(value: dict) -> dict:
        return {
            "object": "whatsapp_business_account",
            "entry": [{"id": embedded.waba_id, "changes": [{"field": "account_update", "value": value}]}],
        }

    violation = {"event": "ACCOUNT_VIOLATION", "violation_info": {"violation_type": "SCAM"}}
    post_webhook(account_update(violation))
    kept = AccountAlert.objects.get(alert_type="ACCOUNT_VIOLATION")
    assert (kept.client, kept.severity, kept.active) == (embedded.client, "CRITICAL", True)
    assert "SCAM" in kept.description

    post_webhook(account_update({"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "DISABLE"}}))
    assert AccountAlert.objects.get(alert_type="DISABLED_UPDATE").active is True
    post_webhook(account_update({"event": "DISABLED_UPDATE", "ban_info": {"waba_ban_state": "REINSTATE"}}))
    assert AccountAlert.objects.get(alert_type="DISABLED_UPDATE").active is False
