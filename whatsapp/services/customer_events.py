"""What a customer does besides writing something new: edit or delete a message, change number, open the
chat (`request_welcome`), send a kind of message Meta cannot pass on (`unsupported`).

Kept out of the ingest path's main line (whatsapp.services.inbound calls `consume_event` and
`link_changed_number`; the reply path asks `is_silent` and `may_acknowledge_unsupported`), so the rules live
here in one place:

- `edit` rewrites the original inbound message, keeping what it said before in `Message.edits`; it is not a
  new question, so nothing is answered again.
- `revoke` marks the original deleted (`deleted_at`): the inbox hides its text and it is never answered.
- `system` `user_changed_number` (and 2026's `user_changed_user_id`) links the old contact to the new
  identity (`Contact.replaced_by`) and tells people to continue in the new conversation.
- `request_welcome` is answered with the persona's greeting (ai.replies.acknowledge_non_text).
- `unsupported` is acknowledged at most once per conversation per day.
- Kinds we do not know are stored and never answered.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from whatsapp.identity import CustomerIdentity
from whatsapp.inbound_parsing import describe_inbound
from whatsapp.models import Contact, Conversation, Message, NextStep
from whatsapp.payloads import as_object
from whatsapp.services.contacts import contact_upsert

logger = logging.getLogger(__name__)

# Kinds a customer's message may have that the assistant answers (with words or an acknowledgement).
ANSWERED_KINDS = frozenset(
    {
        "text",
        "interactive",
        "button",
        "image",
        "video",
        "document",
        "audio",
        "sticker",
        "location",
        "contacts",
        "order",
        "unsupported",
        "request_welcome",
    }
)
CHANGED_NUMBER_TYPES = frozenset({"user_changed_number", "customer_changed_number", "user_changed_user_id"})


def is_silent(message: Message) -> bool:
    """A message the assistant never answers: reactions, system notices, deleted ones, unknown kinds."""
    return message.kind not in ANSWERED_KINDS or message.deleted_at is not None


def consume_event(*, conversation: Conversation, message: dict[str, Any]) -> bool:
    """Apply an `edit` or `revoke` to the message it points at; True when the item was such an event.

    Neither is stored as a message of its own. Both are idempotent: Meta redelivers, and an edit already
    recorded (its wamid is in the original's `edits`) or a deletion already marked changes nothing.
    """
    kind = str(message.get("type") or "")
    if kind not in ("edit", "revoke"):
        return False
    event = as_object(message.get(kind))
    original_wamid = str(event.get("original_message_id") or "")
    original = (
        Message.objects.filter(
            client_id=conversation.client_id,
            conversation__contact_id=conversation.contact_id,
            direction=Message.Direction.INBOUND,
            wamid=original_wamid,
        ).first()
        if original_wamid
        else None
    )
    if original is None:
        logger.info("%s of unknown message %r ignored", kind, original_wamid)
        return True
    at = _event_time(message)
    if kind == "revoke":
        Message.objects.filter(pk=original.pk, deleted_at__isnull=True).update(deleted_at=at)
        return True
    wamid = str(message.get("id") or "")
    if any(isinstance(e, dict) and e.get("wamid") == wamid for e in original.edits):
        return True  # Meta delivered this edit again
    new_kind, new_text = describe_inbound(as_object(event.get("message")))
    history = [*original.edits, {"wamid": wamid, "text": original.text, "kind": original.kind, "until": at.isoformat()}]
    Message.objects.filter(pk=original.pk).update(
        text=new_text, kind=new_kind if new_kind != "unknown" else original.kind, edits=history, edited_at=at
    )
    return True


def link_changed_number(*, contact: Contact, message: dict[str, Any]) -> Contact | None:
    """A `system` message saying the customer changed number: the old contact points at the new identity.

    The new contact (by the new phone, else the new BSUID) is found or created; the old one keeps its history
    and its conversations say where to continue. Returns the new contact, or None if this is another notice.
    """
    system = as_object(message.get("system"))
    if str(message.get("type")) != "system" or str(system.get("type") or "") not in CHANGED_NUMBER_TYPES:
        return None
    new_wa_id = "".join(ch for ch in str(system.get("wa_id") or system.get("new_wa_id") or "") if ch.isdigit())
    identity = CustomerIdentity(
        wa_id=new_wa_id[:32],
        user_id=str(system.get("user_id") or "")[:128],
        parent_user_id=str(system.get("parent_user_id") or "")[:128],
        username=contact.username,
        profile_name=contact.profile_name,
    )
    if not identity:
        return None
    new = contact_upsert(client=contact.client_id, identity=identity)
    if new.pk == contact.pk:
        return None  # same phone, new BSUID only: the contact now carries the new one
    Contact.objects.filter(pk=contact.pk).update(replaced_by=new, updated_at=timezone.now())
    Conversation.objects.filter(contact=contact).update(next_step=NextStep.CHANGED_NUMBER, next_step_at=timezone.now())
    return new


# Meta's codes for a send that failed for good and what a person does next (shown in the inbox).
NEXT_STEP_FOR_CODE = {
    "131047": NextStep.SEND_TEMPLATE,
    "131026": NextStep.UNREACHABLE,
    "131049": NextStep.MARKETING_LIMIT,
    "131050": NextStep.MARKETING_OPTED_OUT,
}


def note_send_failure(*, message_id: int, code: str) -> str:
    """After a send failed (at once, or later in a status webhook): leave its conversation with the next step
    for people, and remember an opt-out from marketing (131050) on the contact. Returns the step, or ""."""
    step = NEXT_STEP_FOR_CODE.get(str(code))
    if step is None:
        return ""
    found = Message.objects.filter(pk=message_id).values_list("conversation_id", "conversation__contact_id").first()
    if found is None:
        return ""
    conversation_id, contact_id = found
    now = timezone.now()
    Conversation.objects.filter(pk=conversation_id).update(next_step=step, next_step_at=now)
    if step == NextStep.MARKETING_OPTED_OUT:
        Contact.objects.filter(pk=contact_id, marketing_opted_out_at__isnull=True).update(marketing_opted_out_at=now)
    return step


def may_acknowledge_unsupported(*, conversation: Conversation) -> bool:
    """True once per conversation and day (TIME_ZONE): the caller then tells the customer we cannot read it.

    One conditional UPDATE, so two runs on the same day cannot both answer.
    """
    today = timezone.localdate()
    return bool(
        Conversation.objects.filter(pk=conversation.pk)
        .filter(Q(unsupported_acknowledged_on__isnull=True) | ~Q(unsupported_acknowledged_on=today))
        .update(unsupported_acknowledged_on=today)
    )


def _event_time(message: dict[str, Any]) -> datetime:
    try:
        return datetime.fromtimestamp(int(message.get("timestamp")), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return timezone.now()
