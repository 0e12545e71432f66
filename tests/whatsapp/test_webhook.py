"""POST/GET /webhook/whatsapp: signature, storage, routing, idempotency and every bad input."""

import json

import pytest

from tests.factories import MessageFactory, WhatsAppNumberFactory
from tests.meta_fixtures import meta_payload, text_message
from whatsapp.models import Contact, Conversation, Message, WebhookEvent
from whatsapp.signature import sign_body

pytestmark = pytest.mark.django_db


# --- handshake ------------------------------------------------------------------------------
def test_handshake_echoes_the_challenge_when_the_token_matches(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = "my-verify-token"
    response = client.get(
        "/webhook/whatsapp",
        {"hub.mode": "subscribe", "hub.verify_token": "my-verify-token", "hub.challenge": "1158201444"},
    )
    assert response.status_code == 200
    assert response.content == b"1158201444"


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": "my-verify-token", "hub.challenge": "1"},
        {},
    ],
)
def test_handshake_refuses_anything_else(client, settings, params):
    settings.WHATSAPP_VERIFY_TOKEN = "my-verify-token"
    assert client.get("/webhook/whatsapp", params).status_code == 403


# --- signature --------------------------------------------------------------------------------
def test_unsigned_post_is_403_and_stores_nothing(client, number):
    body = json.dumps(text_message(number, wamid="wamid.X"))
    response = client.post("/webhook/whatsapp", data=body, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    assert WebhookEvent.objects.count() == 0
    assert Message.objects.count() == 0


def test_forged_signature_is_403(post_webhook, number):
    payload = text_message(number, wamid="wamid.X")
    response = post_webhook(payload, signature=sign_body(b"something else"))
    assert response.status_code == 403
    assert WebhookEvent.objects.count() == 0


def test_signature_with_another_secret_is_403(post_webhook, number):
    body = json.dumps(text_message(number, wamid="wamid.X")).encode()
    assert post_webhook(body, signature=sign_body(body, secret="not-the-app-secret")).status_code == 403


def test_signature_is_checked_on_the_raw_bytes(post_webhook, number):
    """Whitespace Meta sends is part of the signed body; re-serialising would break it."""
    body = json.dumps(text_message(number, wamid="wamid.RAW"), indent=3).encode()
    assert post_webhook(body).status_code == 200
    assert WebhookEvent.objects.get().body == body.decode()


# --- bad input never 500 --------------------------------------------------------------------------
@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_malformed_json_with_a_valid_signature_is_400_and_kept(post_webhook, body):
    response = post_webhook(body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed_json"
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.FAILED


@pytest.mark.parametrize(
    "payload",
    [
        {"object": "whatsapp_business_account"},
        {"entry": "nope"},
        {"entry": [{"changes": [{"field": "messages", "value": None}]}]},
        {"entry": [{"changes": [{"field": "messages", "value": {"metadata": "not-an-object", "messages": "x"}}]}]},
        {
            "entry": [
                {
                    "changes": [
                        {
                            "field": "messages",
                            "value": {"metadata": {"phone_number_id": "1"}, "contacts": [{"profile": "x"}]},
                        }
                    ]
                }
            ]
        },
        {
            "entry": [
                {"changes": [{"field": "messages", "value": {"metadata": {"phone_number_id": 5}, "messages": [{}]}}]}
            ]
        },
    ],
)
def test_odd_shapes_are_200_and_stored(post_webhook, payload):
    assert post_webhook(payload).status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_unknown_phone_number_id_is_200_stored_and_noted(post_webhook):
    unknown = WhatsAppNumberFactory.build(phone_number_id="999999999999999", waba_id="1")
    response = post_webhook(text_message(unknown, wamid="wamid.UNKNOWN"))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookEvent.Outcome.IGNORED
    assert "999999999999999" in event.detail
    assert event.phone_number_ids == ["999999999999999"]
    assert Message.objects.count() == 0


def test_unhandled_field_is_200_stored_and_ignored(post_webhook, number):
    response = post_webhook(meta_payload("security", number))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert event.fields == ["security"]
    assert event.outcome == WebhookEvent.Outcome.IGNORED


def test_bad_item_does_not_lose_the_good_ones(post_webhook, number):
    payload = text_message(number, wamid="wamid.GOOD")
    payload["entry"][0]["changes"][0]["value"]["messages"].append({"type": "text", "text": {"body": "no id"}})
    assert post_webhook(payload).status_code == 200
    assert Message.objects.filter(wamid="wamid.GOOD").exists()
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.PARTIAL


def after_commit(callbacks) -> list[str]:
    """What each on-commit callback starts: a queued task's name, or the function's own name."""
    return [c.args[0] if hasattr(c, "args") else c.__name__ for c in callbacks]


# --- inbound messages -------------------------------------------------------------------------------
def test_inbound_text_creates_contact_conversation_and_message(
    post_webhook, number, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        assert post_webhook(text_message(number, wamid="wamid.A1", text="¿Tienen domicilio?")).status_code == 200
    message = Message.objects.get(wamid="wamid.A1")
    assert (message.direction, message.kind, message.text, message.status) == (
        "in",
        "text",
        "¿Tienen domicilio?",
        "received",
    )
    assert message.client == number.client
    contact = Contact.objects.get()
    assert (contact.wa_id, contact.profile_name, contact.client) == ("573001112233", "Ana", number.client)
    conversation = Conversation.objects.get()
    assert conversation.number == number
    assert conversation.last_inbound_at is not None and conversation.window_open(at=conversation.last_inbound_at)
    assert after_commit(callbacks) == ["workers_wake", "whatsapp.answer_inbound_message"], (
        "the workers are woken for the delivery, and the reply enqueued once, after commit"
    )


def test_redelivered_message_is_stored_once(post_webhook, number, django_capture_on_commit_callbacks):
    payload = text_message(number, wamid="wamid.DUP")
    with django_capture_on_commit_callbacks() as callbacks:
        post_webhook(payload)
        post_webhook(payload)
    assert Message.objects.filter(wamid="wamid.DUP").count() == 1
    assert WebhookEvent.objects.count() == 2
    assert after_commit(callbacks).count("workers_wake") == 2
    assert after_commit(callbacks).count("whatsapp.answer_inbound_message") == 1


def test_every_inbound_type_is_recorded_readably(post_webhook, number):
    assert post_webhook(meta_payload("inbound_every_type", number)).status_code == 200
    texts = dict(Message.objects.values_list("kind", "text"))
    assert texts["text"] == "Hola, ¿tienen citas mañana?"
    assert texts["image"] == "Así quiero las uñas"
    assert texts["audio"] == "[voice note]"
    assert texts["location"].startswith("📍 Chicó — Calle 85")
    assert texts["interactive"] == "Sí, agendar"
    assert texts["button"] == "Confirmar"
    assert texts["reaction"] == "[reaction 👍]"
    assert texts["order"] == "Quiero esto"
    assert texts["unsupported"] == "[unsupported]"
    assert texts["contacts"] == "[contact card: Juan Pérez]"
    assert texts["sticker"] == "[sticker]"
    assert Message.objects.count() == 11
    assert Conversation.objects.count() == 1


def test_the_window_follows_the_latest_customer_message_even_out_of_order(post_webhook, number):
    post_webhook(text_message(number, wamid="wamid.LATE", ts="1763779600"))
    post_webhook(text_message(number, wamid="wamid.EARLY", ts="1763776000"))
    conversation = Conversation.objects.get()
    assert int(conversation.last_inbound_at.timestamp()) == 1763779600


def test_numbers_route_to_their_own_client(post_webhook, number):
    other = WhatsAppNumberFactory()
    post_webhook(text_message(number, wamid="wamid.MINE", sender="573000000001"))
    post_webhook(text_message(other, wamid="wamid.THEIRS", sender="573000000001"))
    assert Message.objects.get(wamid="wamid.MINE").client == number.client
    assert Message.objects.get(wamid="wamid.THEIRS").client == other.client
    # The same person writing to two businesses is two contacts, one per client.
    assert Contact.objects.filter(wa_id="573000000001").count() == 2


# --- statuses ---------------------------------------------------------------------------------
def outbound(number, wamid="wamid.OUT", status="sent"):
    return MessageFactory(
        conversation__number=number, direction="out", status=status, wamid=wamid, sent_by="ai", text="Respuesta"
    )


def test_statuses_never_move_backwards(post_webhook, number):
    message = outbound(number)
    post_webhook(meta_payload("statuses_reordered", number, wamid=message.wamid))
    message.refresh_from_db()
    assert message.status == "read"
    assert message.read_at and message.delivered_at and message.sent_at
    assert (message.pricing_category, message.pricing_type, message.billable) == ("service", "regular", True)


def test_delivered_after_read_keeps_read(post_webhook, number):
    message = outbound(number, status="read")
    payload = meta_payload("statuses_reordered", number, wamid=message.wamid)
    payload["entry"][0]["changes"][0]["value"]["statuses"] = payload["entry"][0]["changes"][0]["value"]["statuses"][1:2]
    post_webhook(payload)
    message.refresh_from_db()
    assert message.status == "read"
    assert message.delivered_at is not None


def test_failed_status_records_the_error(post_webhook, number):
    message = outbound(number)
    post_webhook(meta_payload("status_failed", number, wamid=message.wamid))
    message.refresh_from_db()
    assert message.status == "failed"
    assert message.error_code == "131026"
    assert message.error_details == "Recipient is not a valid WhatsApp user"


def test_status_for_an_unknown_message_is_harmless(post_webhook, number):
    response = post_webhook(meta_payload("statuses_reordered", number, wamid="wamid.NOT_OURS"))
    assert response.status_code == 200


def test_a_status_cannot_touch_another_clients_message(post_webhook, number):
    foreign = outbound(WhatsAppNumberFactory(), wamid="wamid.FOREIGN")
    post_webhook(meta_payload("statuses_reordered", number, wamid=foreign.wamid))
    foreign.refresh_from_db()
    assert foreign.status == "sent"


def test_a_batch_moves_each_message_forward_only_and_never_out_of_failed(post_webhook, number):
    """The batch's forward move (one statement on PostgreSQL): each message to its own highest status, never
    below what it has, and a failed message stays failed (failed has no rank to move from)."""
    behind = outbound(number, wamid="wamid.BEHIND", status="sent")
    ahead = outbound(number, wamid="wamid.AHEAD", status="read")
    failed = outbound(number, wamid="wamid.FAILED", status="failed")
    Message.objects.filter(pk__in=[behind.pk, ahead.pk, failed.pk]).update(usage_counted=True)
    statuses = []
    for message, status in ((behind, "delivered"), (ahead, "delivered"), (failed, "read"), (behind, "read")):
        payload = meta_payload("statuses_reordered", number, wamid=message.wamid)
        item = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
        statuses.append({**item, "status": status, "id": message.wamid})
    payload["entry"][0]["changes"][0]["value"]["statuses"] = statuses
    post_webhook(payload)
    assert dict(Message.objects.filter(pk__in=[behind.pk, ahead.pk, failed.pk]).values_list("wamid", "status")) == {
        "wamid.BEHIND": "read",
        "wamid.AHEAD": "read",
        "wamid.FAILED": "failed",
    }
