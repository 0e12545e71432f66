"""An outside check that the sandbox has not drifted from Meta: every kind of webhook it posts parses with pywa.

pywa (david-lev/pywa, pinned in requirements-dev.txt) is an independent, maintained WhatsApp library that
follows Meta's payloads closely (it needs, for example, `contacts[].user_id` since the 2026 BSUID rollout).
The sandbox posts its webhooks to the product over real HTTP; the product stores each delivery as it arrived
(`WebhookEvent.body`), so this test reads what really went over the wire and hands it to pywa's own dispatcher
and parsers, which raise on anything missing.
"""

from __future__ import annotations

import json

import pytest
import requests
from pywa import WhatsApp
from pywa.types.base_update import RawUpdate

from sandbox import message_templates
from sandbox.models import SandboxMessage, SandboxPhoneNumber
from tests.sandbox.conftest import live_db
from tests.support import wait_for
from whatsapp.models import WebhookEvent

pytestmark = live_db

PHONE = "+573001112233"
ALERT = "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED"


@pytest.fixture
def pywa_client():
    return WhatsApp(token=None, server=None, verify_token="unused", validate_updates=False, filter_updates=False)


# Fields pywa 4.5 has no typed update for: its server hands them to raw-update handlers. For those the check is
# pywa's own envelope reading (`RawUpdate.id`, `.field`, `.value`) plus the keys Meta's reference documents.
UNTYPED_FIELDS = {"account_alerts": {"entity_type", "entity_id", "alert_info"}}
ALERT_INFO_KEYS = {"alert_severity", "alert_status", "alert_type", "alert_description"}


def parse_with_pywa(wa: WhatsApp, body: str):
    """(handler name, update) exactly as pywa's webhook server would build them; raises if pywa cannot."""
    raw = RawUpdate(body.encode(), hmac_header=None, update_hash="contract")
    if raw.field in UNTYPED_FIELDS:
        assert wa._get_handler_type(raw) is None  # a pywa release that types it: parse it like the others
        assert raw.id and set(raw.value) >= UNTYPED_FIELDS[raw.field], body
        assert set(raw.value["alert_info"]) >= ALERT_INFO_KEYS, body
        return f"RawUpdate:{raw.field}", raw
    handler = wa._get_handler_type(raw)
    assert handler is not None, f"pywa does not recognise this webhook: {body[:300]}"
    return handler.__name__, wa._handlers_to_updates[handler].from_update(client=wa, update=raw)


@pytest.mark.postgres  # dozens of deliveries from background threads at once: SQLite's single writer locks up
def test_every_kind_of_webhook_the_sandbox_sends_parses_with_pywa(
    sandbox_live, sandbox_api, number, settings, pywa_client
):
    settings.SANDBOX_STATUS_WEBHOOKS = True
    settings.AI_REPLY_QUIET_SECONDS = 0
    pnid = number.phone_number_id

    def inbound(**body):
        response = sandbox_api("POST", "/api/inbound", json={"phone_number_id": pnid, **body})
        assert response.status_code == 200, response.text
        return response.json()

    inbound(**{"from": PHONE, "text": "Hola", "profile_name": "Ana"})
    inbound(**{"from": PHONE, "type": "button", "button": {"id": "yes", "title": "Sí"}})
    inbound(**{"from": PHONE, "type": "location", "location": {"latitude": 4.67, "longitude": -74.05}})
    inbound(**{"from": PHONE, "type": "image", "image": {"caption": "La vitrina"}})
    for kind in ("audio", "video", "document", "sticker"):
        inbound(**{"from": PHONE, "type": kind})
    inbound(**{"from": PHONE, "text": "Vi su anuncio", "from_ad": True})
    inbound(**{"from": PHONE, "type": "edit", "text": "Vi su anuncio de pan"})
    inbound(**{"from": PHONE, "type": "revoke"})
    inbound(**{"from": PHONE, "type": "unsupported", "unsupported_type": "poll"})
    inbound(**{"from": PHONE, "type": "request_welcome"})
    inbound(**{"username": "lucia.m", "text": "Hola, soy Lucía", "profile_name": "Lucía"})
    inbound(**{"from": "+573001119999", "text": "Hola"})  # the AI's answer is undeliverable: failed 131026
    inbound(**{"from": PHONE, "type": "marketing_preference", "value": "stop"})
    inbound(**{"from": PHONE, "type": "changed_number", "new_phone": "+573004445566"})
    account = SandboxPhoneNumber.objects.get(phone_number_id=pnid).account
    message_templates.ensure_defaults(account)  # what creating the WABA through the Graph API does
    waba_id = account.waba_id
    template = sandbox_api(
        "POST", "/api/templates/status", json={"waba_id": waba_id, "name": "hello_world", "status": "PAUSED"}
    )
    assert template.status_code == 200, template.text
    signup = sandbox_api(
        "POST", "/api/embedded-signup", json={"business_name": "Café", "phone_number": "+573105550111"}
    )
    assert signup.status_code == 201  # posts account_update PARTNER_ADDED
    for alert in ({"phone_number_id": pnid, "alert_type": "OBA_APPROVED"}, {"waba_id": waba_id, "alert_type": ALERT}):
        assert sandbox_api("POST", "/api/account-alerts", json=alert).json() == {"webhook_status": 200}

    def statuses_arrived() -> bool:
        sent = SandboxMessage.objects.filter(direction="out")
        return sent.exists() and not sent.exclude(status__in=["read", "failed"]).exists()

    assert wait_for(statuses_arrived, timeout=20)
    assert wait_for(lambda: WebhookEvent.objects.filter(fields__contains="account_update").exists(), timeout=10)

    kinds: set[str] = set()
    refused = []
    for event in WebhookEvent.objects.order_by("received_at", "pk"):
        try:
            handler, update = parse_with_pywa(pywa_client, event.body)
        except Exception as error:  # pywa's KeyError/ValueError: a field Meta always sends is missing
            refused.append((json.loads(event.body)["entry"][0]["changes"][0].get("field"), repr(error), event.body))
            continue
        kinds.add(handler)
        if handler == "MessageStatusHandler":
            kinds.add(f"status:{update.status.value}")
            assert update.from_user.bsuid  # 2026: statuses name the customer by BSUID
    assert not refused, refused
    assert kinds >= {
        "MessageHandler",
        "CallbackButtonHandler",
        "EditedMessageHandler",
        "DeletedMessageHandler",
        "PhoneNumberChangeHandler",
        "MessageStatusHandler",
        "status:sent",
        "status:delivered",
        "status:read",
        "status:failed",
        "TemplateStatusUpdateHandler",
        "AccountUpdateHandler",
        "UserMarketingPreferencesHandler",
        "RawUpdate:account_alerts",
    }, kinds


def test_a_username_customer_without_phone_is_answered_through_recipient(sandbox_live, sandbox_api, number):
    """The whole path: a BSUID-only customer writes, the product answers with `recipient`, the phone shows it."""
    written = sandbox_api(
        "POST", "/api/inbound", json={"phone_number_id": number.phone_number_id, "username": "lucia.m", "text": "Hola"}
    ).json()
    bsuid = written["user_id"]
    assert bsuid.startswith("CO.")
    [reply] = SandboxMessage.objects.filter(direction="out")
    assert reply.wa_id == bsuid and reply.body["recipient"] == bsuid and "to" not in reply.body
    chat = requests.get(
        f"{sandbox_live}/sandbox/api/chat",
        params={"phone_number_id": number.phone_number_id, "username": "lucia.m"},
        timeout=10,
    ).json()
    assert [m["direction"] for m in chat["messages"]] == ["in", "out"]
