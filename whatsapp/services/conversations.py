"""What people (agents in the inbox, integrators through the API) do with conversations.

Agent sends are recorded like every other outbound message (`record_outbound_message`) and sent
by the worker after commit. Sending as an agent while the AI owns the conversation is allowed and
does not take it over: taking over is its own explicit action (`whatsapp.services.ownership.take_over`,
which owns conversation ownership together with the AI's handoffs).
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from tenants.models import Client, WhatsAppNumber
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError
from whatsapp.identity import CustomerIdentity, is_bsuid
from whatsapp.models import Conversation, ConversationRead, Message
from whatsapp.selectors import number_by_phone_number_id, template_category, template_of_another_client
from whatsapp.services.contacts import contact_upsert, conversation_for
from whatsapp.services.outbound import record_outbound_message
from whatsapp.templates import TemplateMessage

DEFAULT_REGION = "CO"
WINDOW_CLOSED_STATUS = 422


def send_agent_message(
    *, conversation: Conversation, text: str = "", template: TemplateMessage | None = None, user=None
) -> Message:
    """Record a person's (or an integrator's) message in a conversation; the worker sends it.

    Free-form text needs the customer-service window open; a template is always allowed.
    """
    ensure_can_send(number=conversation.number)
    ensure_contact_not_erased(conversation=conversation)
    if template is None:
        if not conversation.window_open():
            raise ApplicationError(
                _(
                    "The 24-hour customer service window is closed: the customer has not written in the last "
                    "24 hours. Send an approved template instead."
                ),
                code="window_closed",
                status=WINDOW_CLOSED_STATUS,
                details={"last_inbound_at": conversation.last_inbound_at},
            )
        return record_outbound_message(conversation=conversation, text=text, sent_by=Message.SentBy.AGENT, user=user)
    if template_of_another_client(
        waba_id=conversation.number.waba_id, name=template.name, client=conversation.number.client
    ):
        raise ApplicationError(_("No such template."), code="template_not_found", status=404)
    ensure_marketing_allowed(conversation=conversation, template=template)
    return record_outbound_message(
        conversation=conversation,
        text=template.summary(),
        kind="template",
        payload=template.graph_object(),
        sent_by=Message.SentBy.AGENT,
        user=user,
    )


# What agents may send from the inbox (Meta's limits: images 5 MB; documents 100 MB, ours 16 MB per upload).
SENDABLE_IMAGES = {"image/jpeg", "image/png"}
SENDABLE_DOCUMENTS = {
    "application/pdf",
    "text/plain",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_DOCUMENT_BYTES = 16 * 1024 * 1024


def send_agent_media(
    *, conversation: Conversation, content: bytes, mime_type: str, filename: str, caption: str = "", user=None
) -> Message:
    """A person sends a photo or a document: uploaded to Meta first (POST /{PNID}/media, the number's token),
    then recorded and sent by id like any other message. Needs the 24-hour window, like text."""
    ensure_can_send(number=conversation.number)
    ensure_contact_not_erased(conversation=conversation)
    mime_type = (mime_type or "").split(";")[0].strip().lower()
    kind = "image" if mime_type in SENDABLE_IMAGES else "document" if mime_type in SENDABLE_DOCUMENTS else ""
    limit = MAX_IMAGE_BYTES if kind == "image" else MAX_DOCUMENT_BYTES
    if not kind or not content or len(content) > limit:
        raise ApplicationError(
            _("Send a JPEG or PNG photo up to 5 MB, or a PDF, Word, Excel or text document up to 16 MB."),
            code="unsupported_media",
            details={"mime_type": mime_type, "size": len(content)},
        )
    if not conversation.window_open():
        raise ApplicationError(
            _("The 24-hour customer service window is closed: send an approved template instead."),
            code="window_closed",
            status=WINDOW_CLOSED_STATUS,
            details={"last_inbound_at": conversation.last_inbound_at},
        )
    number = conversation.number
    try:
        media_id = GraphClient.for_number(number).upload_media(number.phone_number_id, content, mime_type, filename)
    except GraphError as exc:
        raise ApplicationError(
            _("WhatsApp did not take the file. Try again in a moment."),
            code="media_upload_failed",
            status=502,
            details={"meta_code": exc.code},
        ) from exc
    caption = caption.strip()[:1024]
    payload: dict[str, Any] = {"id": media_id}
    if caption:
        payload["caption"] = caption
    if kind == "document":
        payload["filename"] = filename[:200]
    summary = caption or (f"[document: {filename}]" if kind == "document" else "[image]")
    return record_outbound_message(
        conversation=conversation, text=summary, kind=kind, payload=payload, sent_by=Message.SentBy.AGENT, user=user
    )


def ensure_contact_not_erased(*, conversation: Conversation) -> None:
    """An erased customer has no phone or BSUID left to send to (and asked to be forgotten)."""
    if conversation.contact.erased_at is not None:
        raise ApplicationError(
            _("This customer's personal data was erased: there is no one to send to."),
            code="contact_erased",
            status=409,
        )


def ensure_marketing_allowed(*, conversation: Conversation, template: TemplateMessage) -> None:
    """A customer who stopped marketing messages (`user_preferences`, or a 131050 earlier) gets none: Meta
    would refuse it with 131050 and count it against the number's quality. 409 before anything is recorded."""
    if conversation.contact.marketing_opted_out_at is None:
        return
    category = template_category(waba_id=conversation.number.waba_id, name=template.name, language=template.language)
    if category == "marketing":
        raise ApplicationError(
            _("This customer asked not to receive marketing messages. Send a utility template or write to them."),
            code="marketing_opted_out",
            status=409,
            details={"template": template.name},
        )


def start_conversation(
    *,
    client: Client,
    phone_number_id: str,
    to: str,
    text: str = "",
    template: TemplateMessage | None = None,
    user=None,
) -> Message:
    """Send from one of the client's numbers to any phone or BSUID, opening the contact and thread if new.

    Everything happens in one transaction, so a refused send (window closed) leaves no new rows.
    """
    number = number_by_phone_number_id(client=client, phone_number_id=phone_number_id)
    ensure_can_send(number=number)
    identity = (
        CustomerIdentity(user_id=str(to).strip())
        if is_bsuid(str(to).strip())
        else CustomerIdentity(wa_id=normalize_recipient(to).lstrip("+"))
    )
    with transaction.atomic():
        contact = contact_upsert(client=number.client, identity=identity)
        conversation = conversation_for(number=number, contact=contact)
        return send_agent_message(conversation=conversation, text=text, template=template, user=user)


def normalize_recipient(to: str, *, region: str = DEFAULT_REGION) -> str:
    """The recipient in E.164; national numbers are read as Colombian (the product's market)."""
    try:
        parsed = phonenumbers.parse(str(to), region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise ApplicationError(
            _("`to` is not a valid phone number or BSUID; use E.164, such as +573001234567."),
            code="invalid_phone_number",
            details={"to": str(to)},
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def ensure_can_send(*, number: WhatsAppNumber) -> None:
    """Sends go out only through active numbers of clients that are not suspended (409 otherwise)."""
    if number.client.is_suspended:
        raise ApplicationError(_("This client is suspended."), code="client_suspended", status=409)
    if not number.is_active:
        raise ApplicationError(
            _("This WhatsApp number is not active."),
            code="number_inactive",
            status=409,
            details={"status": number.status},
        )


def mark_read(*, conversation: Conversation, user, at=None) -> bool:
    """`user` has the thread in front of them: its messages up to now are read for that person only (True: the
    mark moved or was made). Colleagues keep their own marks, so the thread stays unread for them.

    A conditional UPDATE, so a page polling every few seconds writes only when a customer message was recorded
    since the person's mark (messages are compared by when we stored them, as the unread count does); the
    first look at a thread makes the mark."""
    at = at or timezone.now()
    unread = Message.objects.filter(
        conversation_id=conversation.pk, direction=Message.Direction.INBOUND, created_at__gt=OuterRef("read_at")
    )
    marks = ConversationRead.objects.for_client(conversation.client_id).filter(
        conversation_id=conversation.pk, user_id=user.pk
    )
    if marks.filter(Exists(unread)).update(read_at=at):
        return True
    _mark, created = ConversationRead.objects.get_or_create(
        client_id=conversation.client_id, conversation_id=conversation.pk, user_id=user.pk, defaults={"read_at": at}
    )
    return created


def mark_converted(*, conversation: Conversation) -> Conversation:
    """Record that the conversation reached the business goal; the first time is kept."""
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk, converted_at__isnull=True).update(converted_at=now)
    converted_at = Conversation.objects.values_list("converted_at", flat=True).get(pk=conversation.pk)
    return _refreshed(conversation, converted_at=converted_at)


def unmark_converted(*, conversation: Conversation) -> Conversation:
    Conversation.objects.filter(pk=conversation.pk).update(converted_at=None)
    return _refreshed(conversation, converted_at=None)


def _refreshed(conversation: Conversation, **values: Any) -> Conversation:
    """Apply the stored values to the instance, keeping annotations the caller read it with."""
    for name, value in values.items():
        setattr(conversation, name, value)
    return conversation
