"""The export of one contact's data (Ley 1581's right to know what is held), in the `/api/v1` shapes.

Everything is read through the owning apps' selectors, within the client: contact identity and preferences,
every conversation with every message (texts, Meta's payloads, media references), the requests they made
(bookings, orders, call backs) and the audit entries about the contact, its conversations and requests.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from audit.selectors import audit_entries_about
from tenants.models import Client
from whatsapp.api.customer_requests import RequestOutputSerializer
from whatsapp.api.serializers import ContactOutputSerializer, MessageOutputSerializer
from whatsapp.models import Contact, Conversation, Message
from whatsapp.selectors import contact_conversations, customer_request_list, message_list

FORMAT_VERSION = 1


def _media(message: Message) -> dict[str, Any] | None:
    """Where a message's file is (the storage name) and what it is; None for messages without media."""
    media_id = ""
    if isinstance(message.payload, dict):
        part = message.payload.get(message.kind)
        media_id = str(part.get("id") or "") if isinstance(part, dict) else ""
    if not message.media_file and not media_id:
        return None
    return {"file": message.media_file.name or None, "mime_type": message.media_mime, "meta_media_id": media_id}


def _message(message: Message) -> dict[str, Any]:
    return {**MessageOutputSerializer(message).data, "edits": message.edits, "media": _media(message)}


def _conversation(client: Client, conversation: Conversation) -> dict[str, Any]:
    number = conversation.number
    return {
        "id": conversation.pk,
        "number": {"id": number.pk, "phone_number": number.phone_number, "display_name": number.display_name},
        "owner": conversation.owner,
        "needs_attention": conversation.needs_attention,
        "handoff_reason": conversation.handoff_reason,
        "next_step": conversation.next_step,
        "last_inbound_at": conversation.last_inbound_at,
        "last_message_at": conversation.last_message_at,
        "converted_at": conversation.converted_at,
        "created_at": conversation.created_at,
        "messages": [_message(m) for m in message_list(client=client, conversation=conversation)],
    }


def _audit(entry) -> dict[str, Any]:
    return {
        "at": entry.at,
        "action": entry.action,
        "actor": entry.actor_label,
        "actor_kind": entry.actor_kind,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
    }


def contact_export_data(*, client: Client, contact: Contact) -> dict[str, Any]:
    """The whole export (see the module docstring); times stay datetimes for the JSON renderer."""
    conversations = list(contact_conversations(client=client, contact=contact))
    exported = [_conversation(client, c) for c in conversations]
    requests = list(customer_request_list(client=client).filter(contact_id=contact.pk))
    about = [
        ("whatsapp.contact", contact.pk),
        *(("whatsapp.conversation", c.pk) for c in conversations),
        *(("whatsapp.customerrequest", r.pk) for r in requests),
    ]
    return {
        "format_version": FORMAT_VERSION,
        "exported_at": timezone.now(),
        "controller": {"client_id": client.pk, "business_name": client.business_name},
        "contact": {**ContactOutputSerializer(contact).data, "erased_at": contact.erased_at},
        "preferences": {
            "marketing_opted_out": contact.marketing_opted_out_at is not None,
            "marketing_opted_out_at": contact.marketing_opted_out_at,
        },
        "conversations": exported,
        "message_count": sum(len(c["messages"]) for c in exported),
        # Bookings, orders and call backs the customer asked for, with the details they gave.
        "requests": [{k: v for k, v in RequestOutputSerializer(r).data.items() if k != "contact"} for r in requests],
        # The product keeps no free-form notes about a customer beyond these and the audit trail.
        "audit_entries": [_audit(e) for e in audit_entries_about(client=client, objects=about)],
    }
