"""A customer's personal data (Ley 1581 de 2012): the export holds everything, the erasure leaves nothing that
names them in any table, billing's counts stay, and another client's key or user only ever sees a 404."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from audit.models import AuditEntry
from billing.models import CountedMessage, UsagePeriod
from integrations import services as integrations
from integrations.models import WebhookDelivery
from tests.factories import CustomerRequestFactory, MembershipFactory, MessageFactory, connected_number
from tests.meta_fixtures import messages_envelope
from tests.whatsapp.api_support import assert_error, key_api, token_api
from whatsapp.models import Contact, Message, WebhookEvent
from whatsapp.services.customer_requests import request_set_status
from whatsapp.services.outbound import count_accepted_message
from whatsapp.services.ownership import take_over

pytestmark = pytest.mark.django_db

PHONE = "573105559876"
BSUID = "CO.99887766554433221100"
NAME = "Rosalba Quintero"
SAID = "mi cédula es 1020304050"
REPLY = "Gracias Rosalba, te confirmo la cita"
ADDRESS = "Calle 45 # 12-30"
SECRETS = (PHONE, BSUID, NAME, "1020304050", "Rosalba", "rosalbaq", ADDRESS)


@pytest.fixture
def customer(number, post_webhook, settings, tmp_path):
    """Rosalba wrote a text and sent a photo; the business answered (counted in billing), took the thread over,
    and an integrator's endpoint got the message. Returns her contact."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    integrations.endpoint_create(client=number.client, url="http://127.0.0.1:9/hook", events=["message.received"])
    payload = messages_envelope(
        number,
        [{"from": PHONE, "id": "wamid.PRIV1", "timestamp": "1763776000", "type": "text", "text": {"body": SAID}}],
        sender=PHONE,
        name=NAME,
    )
    payload["entry"][0]["changes"][0]["value"]["contacts"][0].update(
        user_id=BSUID, profile={"name": NAME, "username": "rosalbaq"}
    )
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["from_user_id"] = BSUID
    assert post_webhook(payload).status_code == 200
    contact = Contact.objects.get(client=number.client, wa_id=PHONE)
    inbound = Message.objects.get(wamid="wamid.PRIV1")
    photo = MessageFactory(
        conversation=inbound.conversation, kind="image", text="", payload={"image": {"id": "MEDIA77", "caption": NAME}}
    )
    photo.media_file.save("rosalba.jpg", ContentFile(b"\xff\xd8 photo"), save=True)
    reply = MessageFactory(
        conversation=inbound.conversation,
        direction="out",
        status="sent",
        sent_by="agent",
        text=REPLY,
        wamid="wamid.PRIVOUT",
        sent_at=timezone.now(),
    )
    assert count_accepted_message(reply.pk)
    take_over(conversation=inbound.conversation, user=MembershipFactory(client=number.client).user)
    booking = CustomerRequestFactory(
        conversation=inbound.conversation,
        source_message=inbound,
        details=[
            {"field": "nombre", "label": "Nombre", "value": NAME},
            {"field": "direccion", "label": "Dirección", "value": ADDRESS},
        ],
    )
    request_set_status(request=booking, status="confirmed")
    integrations.events_emit([[number.client_id, "message.received", {"message_id": inbound.pk}]])
    return contact


def _rows_naming(secrets) -> list[str]:
    """Every row of every table of ours (the sandbox plays Meta and the phones: not ours) containing a secret."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("sandbox_") or table == "django_migrations":
                continue
            cursor.execute(f'SELECT * FROM "{table}"')  # table names come from the introspection
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row)
                found += [f"{table}: {s}" for s in secrets if s in text]
    return found


def test_owner_exports_everything_held_about_the_contact(number, customer):
    api = token_api(number.client)
    response = api.get(f"/api/v1/contacts/{customer.pk}/export")
    assert response.status_code == 200, response.content
    assert response["Content-Disposition"] == f'attachment; filename="contact-{customer.pk}.json"'
    data = response.json()
    assert data["contact"]["wa_id"] == PHONE and data["contact"]["user_id"] == BSUID
    assert data["contact"]["profile_name"] == NAME and data["contact"]["username"] == "rosalbaq"
    assert data["preferences"] == {"marketing_opted_out": False, "marketing_opted_out_at": None}
    [conversation] = data["conversations"]
    assert conversation["number"]["phone_number"] == number.phone_number
    texts = [m["text"] for m in conversation["messages"]]
    assert SAID in texts and REPLY in texts
    photo = next(m for m in conversation["messages"] if m["kind"] == "image")
    assert photo["media"]["file"] == "whatsapp-media/rosalba.jpg" and photo["media"]["meta_media_id"] == "MEDIA77"
    assert data["message_count"] == 3
    [booking] = data["requests"]
    assert (
        booking["status"] == "confirmed"
        and {"field": "direccion", "label": "Dirección", "value": ADDRESS} in (booking["details"])
    )
    actions = [e["action"] for e in data["audit_entries"]]
    assert "conversation.taken_over" in actions and "request.status_changed" in actions
    # The export itself is on the record, without the person's data.
    entry = AuditEntry.objects.filter(action="contact.exported").get()
    assert entry.object_id == str(customer.pk) and NAME not in entry.object_repr


def test_erase_leaves_no_personal_data_in_any_table_and_billing_unchanged(number, customer, settings):
    usage_before = list(UsagePeriod.objects.values())
    ledger_before = list(CountedMessage.objects.values())
    assert _rows_naming(SECRETS), "the fixture stores the secrets somewhere (else this test proves nothing)"
    media_path = customer.conversations.get().messages.get(kind="image").media_file.name
    assert default_storage.exists(media_path)

    response = key_api(number.client).post(
        f"/api/v1/contacts/{customer.pk}/erase", {"reason": "ticket 42"}, format="json"
    )

    assert response.status_code == 200, response.content
    summary = response.json()
    assert summary["contact_id"] == customer.pk and summary["erased_at"]
    assert (summary["conversations"], summary["messages"], summary["media_files"], summary["requests"]) == (1, 3, 1, 1)
    assert summary["webhook_events"] == 1 and summary["webhook_deliveries"] == 1 and summary["audit_entries"] >= 1
    assert _rows_naming(SECRETS) == []
    assert not default_storage.exists(media_path)
    # Billing keeps what it must: the same counters and ledger rows, and the messages they point at.
    assert list(UsagePeriod.objects.values()) == usage_before
    assert list(CountedMessage.objects.values()) == ledger_before
    assert Message.objects.filter(conversation__contact=customer).count() == 3
    # Meta's raw copy and the integrator's body keep their shape, without her.
    event = WebhookEvent.objects.get()
    assert event.redacted_at and event.payload["entry"][0]["changes"][0]["value"]["messages"] == []
    delivery = json.loads(WebhookDelivery.objects.get().body)
    assert delivery["type"] == "message.received" and delivery["data"] == {"redacted": True}
    erased = AuditEntry.objects.get(action="contact.erased")
    assert erased.actor_kind == "api_key" and erased.after["reason"] == "ticket 42"
    # Gone from the contacts list; erasing again finds nothing more and still answers 200.
    listed = key_api(number.client).get("/api/v1/contacts").json()
    assert customer.pk not in [c["id"] for c in listed["results"]]
    again = token_api(number.client).post(f"/api/v1/contacts/{customer.pk}/erase")
    assert again.status_code == 200 and again.json()["messages"] == 0


def test_a_customer_who_writes_again_after_the_erasure_is_a_new_contact(number, customer, post_webhook):
    token_api(number.client).post(f"/api/v1/contacts/{customer.pk}/erase")
    payload = messages_envelope(
        number,
        [{"from": PHONE, "id": "wamid.PRIV2", "timestamp": "1763777000", "type": "text", "text": {"body": "hola"}}],
        sender=PHONE,
        name=NAME,
    )
    post_webhook(payload)
    fresh = Contact.objects.get(client=number.client, wa_id=PHONE)
    assert fresh.pk != customer.pk and fresh.erased_at is None
    assert Contact.objects.get(pk=customer.pk).wa_id == ""


def test_nobody_is_written_to_after_the_erasure(number, customer):
    conversation = customer.conversations.get()
    token_api(number.client).post(f"/api/v1/contacts/{customer.pk}/erase")
    conversation.refresh_from_db()
    assert conversation.owner == "human" and not conversation.needs_attention  # the assistant stays quiet
    sends = Message.objects.filter(direction="out").count()
    api = key_api(number.client)
    assert_error(
        api.post(f"/api/v1/conversations/{conversation.pk}/messages", {"text": "¿Sigue ahí?"}, format="json"),
        409,
        "contact_erased",
    )
    assert Message.objects.filter(direction="out").count() == sends


def test_another_clients_key_and_user_get_404_and_change_nothing(number, customer):
    other = connected_number(client__business_name="Otra")
    assert key_api(number.client).get(f"/api/v1/contacts/{customer.pk}").json()["wa_id"] == PHONE
    for api in (key_api(other.client), token_api(other.client)):
        assert_error(api.get(f"/api/v1/contacts/{customer.pk}"), 404, "contact_not_found")
        assert_error(api.get(f"/api/v1/contacts/{customer.pk}/export"), 404, "contact_not_found")
        assert_error(api.post(f"/api/v1/contacts/{customer.pk}/erase"), 404, "contact_not_found")
    customer.refresh_from_db()
    assert customer.wa_id == PHONE and customer.erased_at is None
    assert_error(key_api(number.client).get("/api/v1/contacts/999999/export"), 404, "contact_not_found")


def test_agents_may_not_export_or_erase(number, customer):
    agent = MembershipFactory(client=number.client, role="agent", user__password=None).user
    from rest_framework.test import APIClient

    from tenants.tokens import api_token_issue

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=agent)}")
    assert_error(api.get(f"/api/v1/contacts/{customer.pk}/export"), 403, "permission_denied")
    assert_error(api.post(f"/api/v1/contacts/{customer.pk}/erase"), 403, "permission_denied")
    assert_error(api.delete(f"/api/v1/contacts/{customer.pk}"), 403, "permission_denied")
    assert api.get(f"/api/v1/contacts/{customer.pk}").json()["profile_name"] == NAME  # reading is for everyone
    assert Contact.objects.get(pk=customer.pk).erased_at is None


def test_delete_on_the_contact_erases_it_too(number, customer):
    response = key_api(number.client).delete(f"/api/v1/contacts/{customer.pk}")
    assert response.status_code == 200 and response.json()["messages"] == 3
    assert _rows_naming(SECRETS) == []
    assert_error(key_api(connected_number().client).delete(f"/api/v1/contacts/{customer.pk}"), 404, "contact_not_found")


def test_bad_input_is_a_4xx_json_error(number, customer):
    api = key_api(number.client)
    url = f"/api/v1/contacts/{customer.pk}/erase"
    assert_error(api.post(url, data="{not json", content_type="application/json"), 400, "malformed_request")
    assert_error(api.post(url, data="[1, 2]", content_type="application/json"), 400, "validation_error")
    assert_error(api.post(url, {"reason": "x" * 501}, format="json"), 400, "validation_error")
    assert_error(api.get(url), 405, "method_not_allowed")
    assert_error(api.get("/api/v1/contacts/abc/export"), 404, "not_found")
    assert Contact.objects.get(pk=customer.pk).erased_at is None


def test_retention_blanks_old_texts_and_media_and_is_audited(number, customer):
    from privacy.services import retention_enforce
    from tenants.services import client_set_message_retention

    client_set_message_retention(client=number.client, days=30)
    assert AuditEntry.objects.filter(action="client.message_retention.changed").get().after == {
        "message_retention_days": 30
    }
    messages = Message.objects.filter(conversation__contact=customer)
    photo = messages.get(kind="image")
    media_path = photo.media_file.name
    old = timezone.now() - timedelta(days=31)
    messages.exclude(text=REPLY).update(created_at=old)
    WebhookEvent.objects.update(received_at=old)
    ledger_before = list(CountedMessage.objects.values())

    done = retention_enforce()

    assert done[number.client_id]["messages"] == 2 and done[number.client_id]["media_files"] == 1
    assert not messages.filter(text=SAID).exists() and messages.filter(text=REPLY).exists()  # the recent one stays
    assert not default_storage.exists(media_path)
    assert SAID not in WebhookEvent.objects.get().body
    assert list(CountedMessage.objects.values()) == ledger_before
    entry = AuditEntry.objects.get(action="client.message_retention.applied")
    assert entry.actor_kind == "system" and entry.after["messages"] == 2
    assert retention_enforce() == {
        number.client_id: {"messages": 0, "media_files": 0, "webhook_events": 0, "webhook_deliveries": 0}
    }
    assert AuditEntry.objects.filter(action="client.message_retention.applied").count() == 1


def test_the_erasure_touches_no_one_else(number, customer, post_webhook):
    neighbour = "573001234599"
    payload = messages_envelope(
        number,
        [
            {
                "from": neighbour,
                "id": "wamid.MATEO",
                "timestamp": "1763776100",
                "type": "text",
                "text": {"body": "Hola, soy an"},
            }
        ],
        sender=neighbour,
        name="Mateo",
    )
    post_webhook(payload)
    mateo = Contact.objects.get(client=number.client, wa_id=neighbour)
    integrations.events_emit(
        [[number.client_id, "message.received", {"message_id": mateo.conversations.get().messages.get().pk}]]
    )
    kept_event = WebhookEvent.objects.get(body__contains="wamid.MATEO").body
    kept_delivery = WebhookDelivery.objects.get(body__contains=neighbour).body

    token_api(number.client).post(f"/api/v1/contacts/{customer.pk}/erase")

    mateo.refresh_from_db()
    assert mateo.erased_at is None and mateo.profile_name == "Mateo"
    assert Message.objects.get(wamid="wamid.MATEO").text == "Hola, soy an"
    assert WebhookEvent.objects.get(body__contains="wamid.MATEO").body == kept_event
    assert WebhookDelivery.objects.get(body__contains=neighbour).body == kept_delivery
