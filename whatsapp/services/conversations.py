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
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from tenants.models import Client, WhatsAppNumber
from whatsapp.identity import CustomerIdentity, is_bsuid
from whatsapp.models import Conversation, Message
from whatsapp.selectors import number_by_phone_number_id, template_category
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
    ensure_marketing_allowed(conversation=conversation, template=template)
    return record_outbound_message(
        conversation=conversation,
        text=template.summary(),
        kind="template",
        payload=template.graph_object(),
        sent_by=Message.SentBy.AGENT,
        user=user,
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
