"""What customers do besides writing something new: edit, delete, change number, open the chat, send
something Meta cannot pass on, or an event kind nobody knows yet."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone

from ai.models import Persona
from tests.meta_fixtures import messages_envelope, text_message
from whatsapp.models import Contact, Conversation, Message
from whatsapp.services import replies

pytestmark = pytest.mark.django_db

SENDER = "573001112233"


@pytest.fixture(autouse=True)
def _meta_unreachable(settings):
    """The reply is decided and recorded here, not sent: "typing…" (best effort) finds no Graph API."""
    settings.WHATSAPP_GRAPH_URL = "http://127.0.0.1:9"


def _now(later: int = 0) -> str:
    return str(int(time.time()) + later)


def _item(wamid: str, kind: str, body: dict | None = None, ts: str = "") -> dict:
    item = {"from": SENDER, "id": wamid, "timestamp": ts or _now(), "type": kind}
    if body is not None:
        item[kind] = body
    return item


def _answer(message: Message) -> Message | None:
    """The reply the AI records for this inbound message (None: it stays quiet)."""
    Conversation.objects.filter(pk=message.conversation_id).update(last_inbound_at=timezone.now())
    return replies.answer_inbound_message(message.pk)


def test_an_edit_rewrites_the_original_keeps_its_history_and_is_not_answered_again(number, post_webhook):
    post_webhook(text_message(number, wamid="wamid.ORIG", text="¿Abren el domingo?", ts=_now()))
    original = Message.objects.get(wamid="wamid.ORIG")
    assert _answer(original) is not None
    edit = _item(
        "wamid.EDIT",
        "edit",
        {"original_message_id": "wamid.ORIG", "message": {"type": "text", "text": {"body": "¿Abren el sábado?"}}},
        ts=_now(100),
    )
    post_webhook(messages_envelope(number, [edit]))
    post_webhook(messages_envelope(number, [edit]))  # Meta delivers it again

    original.refresh_from_db()
    assert original.text == "¿Abren el sábado?" and original.edited_at is not None
    assert [(e["wamid"], e["text"]) for e in original.edits] == [("wamid.EDIT", "¿Abren el domingo?")]
    assert Message.objects.filter(direction="in").count() == 1  # no new question
    assert _answer(original) is None  # answered once, before the edit
    assert Message.objects.filter(direction="out").count() == 1


def test_a_deleted_message_is_marked_and_never_answered(number, post_webhook):
    post_webhook(text_message(number, wamid="wamid.GONE", text="Mi número de tarjeta es 4111…"))
    post_webhook(messages_envelope(number, [_item("wamid.REV", "revoke", {"original_message_id": "wamid.GONE"})]))

    gone = Message.objects.get(wamid="wamid.GONE")
    assert gone.deleted_at is not None
    assert _answer(gone) is None
    assert not Message.objects.filter(direction="out").exists()
    assert Message.objects.count() == 1


def test_a_revoke_of_a_message_we_never_had_changes_nothing(number, post_webhook):
    response = post_webhook(messages_envelope(number, [_item("wamid.R", "revoke", {"original_message_id": "x"})]))
    assert response.status_code == 200 and not Message.objects.exists()


def test_request_welcome_is_answered_with_the_personas_greeting(number, post_webhook):
    Persona.objects.update_or_create(client=number.client, defaults={"greeting": "¡Bienvenida a Panadería Sol!"})
    post_webhook(messages_envelope(number, [_item("wamid.W", "request_welcome")]))
    welcome = Message.objects.get(wamid="wamid.W")
    reply = _answer(welcome)
    assert reply is not None and reply.text == "¡Bienvenida a Panadería Sol!"


def test_unsupported_is_acknowledged_at_most_once_a_day_per_conversation(number, post_webhook):
    unsupported = {"type": "poll"}
    errors = [{"code": 131051, "title": "Message type unknown"}]
    first = {**_item("wamid.U1", "unsupported", unsupported), "errors": errors}
    post_webhook(messages_envelope(number, [first]))
    assert _answer(Message.objects.get(wamid="wamid.U1")) is not None

    later = {**_item("wamid.U2", "unsupported", unsupported, ts=_now(500)), "errors": errors}
    post_webhook(messages_envelope(number, [later]))
    assert _answer(Message.objects.get(wamid="wamid.U2")) is None
    assert Message.objects.filter(direction="out").count() == 1


def test_an_unknown_event_kind_is_stored_and_never_answered(number, post_webhook):
    response = post_webhook(messages_envelope(number, [_item("wamid.NEW", "hologram", {"shape": "cube"})]))
    assert response.status_code == 200
    stored = Message.objects.get(wamid="wamid.NEW")
    assert stored.kind == "hologram" and stored.payload["hologram"] == {"shape": "cube"}
    assert _answer(stored) is None


def test_a_changed_number_links_the_old_identity_to_the_new_one(number, post_webhook):
    post_webhook(text_message(number, wamid="wamid.OLD", text="Hola"))
    system = {
        "from": SENDER,
        "id": "wamid.SYS",
        "timestamp": _now(200),
        "type": "system",
        "system": {
            "body": "Ana changed from 573001112233 to 573009998877",
            "wa_id": "573009998877",
            "user_id": "CO.70000000000000000009",
            "type": "user_changed_number",
        },
    }
    envelope = messages_envelope(number, [system])
    del envelope["entry"][0]["changes"][0]["value"]["contacts"]  # Meta sends none with this notice
    post_webhook(envelope)
    post_webhook(text_message(number, wamid="wamid.NEWNUM", text="Ya tengo otro número", sender="573009998877"))

    old = Contact.objects.get(wa_id=SENDER)
    new = Contact.objects.get(wa_id="573009998877")
    assert old.replaced_by == new and new.user_id == "CO.70000000000000000009"
    assert new.profile_name == old.profile_name == "Ana"
    assert Conversation.objects.get(contact=old).next_step == "changed_number"
    assert Message.objects.get(wamid="wamid.NEWNUM").conversation.contact == new
    assert Message.objects.get(wamid="wamid.SYS").conversation.contact == old  # the notice stays in the history


@pytest.mark.parametrize(
    ("code", "step", "opted_out"),
    [
        ("131047", "send_template", False),
        ("131026", "unreachable", False),
        ("131049", "marketing_limit", False),
        ("131050", "marketing_opted_out", True),
    ],
)
def test_a_failed_status_leaves_the_conversation_with_a_next_step(number, post_webhook, code, step, opted_out):
    post_webhook(text_message(number, wamid="wamid.Q", text="Hola", ts=_now(-3600)))
    conversation = Conversation.objects.get()
    sent = Message.objects.create(
        client=number.client, conversation=conversation, direction="out", status="sent", wamid="wamid.F", text="Hi"
    )
    error = {"code": int(code), "title": "Meta's title", "error_data": {"details": "why"}}
    status = {"id": sent.wamid, "status": "failed", "timestamp": _now(), "recipient_id": SENDER, "errors": [error]}
    envelope = messages_envelope(number, [])
    value = envelope["entry"][0]["changes"][0]["value"]
    value.pop("messages")
    value["statuses"] = [status]
    post_webhook(envelope)

    conversation.refresh_from_db()
    assert conversation.next_step == step and conversation.pending_next_step
    assert (conversation.contact.marketing_opted_out_at is not None) is opted_out
    post_webhook(text_message(number, wamid="wamid.LATER", text="¿Siguen ahí?", ts=_now(60)))
    conversation.refresh_from_db()
    assert conversation.pending_next_step == ""  # the customer wrote again: the window is open


def test_a_customer_who_stops_marketing_is_kept_opted_out_until_they_resume(number, post_webhook, api_for):
    def preference(value: str) -> dict:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": number.waba_id,
                    "changes": [
                        {
                            "field": "user_preferences",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": number.phone_number.lstrip("+"),
                                    "phone_number_id": number.phone_number_id,
                                },
                                "contacts": [{"profile": {"name": "Ana"}, "wa_id": SENDER, "user_id": "CO.1"}],
                                "user_preferences": [
                                    {
                                        "wa_id": SENDER,
                                        "detail": "User requested to stop marketing messages",
                                        "category": "marketing_messages",
                                        "value": value,
                                        "timestamp": int(_now()),
                                    }
                                ],
                            },
                        }
                    ],
                }
            ],
        }

    post_webhook(text_message(number, wamid="wamid.M1", text="Hola", ts=_now()))
    assert post_webhook(preference("stop")).status_code == 200
    contact = Contact.objects.get()
    assert contact.marketing_opted_out_at is not None
    [listed] = api_for(number.client).get("/api/v1/contacts").json()["results"]
    assert listed["marketing_opted_out_at"] is not None
    post_webhook(preference("resume"))
    contact.refresh_from_db()
    assert contact.marketing_opted_out_at is None
