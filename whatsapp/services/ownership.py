"""Who answers a conversation (the AI or people), and whether it reached the business goal.

The only writer of those conversation fields: the AI's handoffs (`whatsapp.services.replies`), agents in
the inbox, the admin and the API's /takeover and /handback all come through here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ai.models import Persona
from ai.services import confirms_goal
from audit.services import audit_record
from core.mail import header_text
from core.queue import enqueue_on_commit
from tenants.selectors import owner_emails
from whatsapp.models import Conversation
from whatsapp.signals import conversation_handed_off, conversation_taken_over

logger = logging.getLogger(__name__)


def hand_off(*, conversation: Conversation, reason: str) -> bool:
    """Give the conversation to people and tell the client's owners once. False if people had it already."""
    moved = Conversation.objects.filter(pk=conversation.pk, owner=Conversation.Owner.AI).update(
        owner=Conversation.Owner.HUMAN, needs_attention=True, handoff_reason=reason[:200]
    )
    if moved:
        conversation.owner, conversation.needs_attention, conversation.handoff_reason = "human", True, reason[:200]
        enqueue_on_commit("whatsapp.notify_handoff", conversation.pk)  # an e-mail never holds up the reply
        conversation_handed_off.send(sender=Conversation, conversation=conversation, reason=reason[:200])
    return bool(moved)


def take_over(*, conversation: Conversation, user) -> Conversation:
    """A person answers from now on; the AI stays quiet until `hand_back`."""
    name = getattr(user, "get_full_name", lambda: "")() or getattr(user, "email", "") or str(user)
    Conversation.objects.filter(pk=conversation.pk).update(
        owner=Conversation.Owner.HUMAN, needs_attention=False, handoff_reason=f"Taken over by {name}"[:200]
    )
    audit_record(action="conversation.taken_over", client=conversation.client_id, obj=conversation)
    conversation.refresh_from_db()
    conversation_taken_over.send(sender=Conversation, conversation=conversation, user=user)
    return conversation


def hand_back(*, conversation: Conversation) -> Conversation:
    """The AI answers again from the customer's next message; the attention flag is cleared."""
    Conversation.objects.filter(pk=conversation.pk).update(
        owner=Conversation.Owner.AI, needs_attention=False, handoff_reason=""
    )
    audit_record(action="conversation.handed_back", client=conversation.client_id, obj=conversation)
    conversation.refresh_from_db()
    return conversation


def flag_for_people(*, conversation: Conversation) -> None:
    """Ask for a person's look without handing off (the assistant is switched off)."""
    Conversation.objects.filter(pk=conversation.pk).update(needs_attention=True)


def record_conversion_if_confirmed(*, conversation: Conversation, text: str, persona: Persona) -> bool:
    """Mark the conversation converted the first time the customer confirms the goal."""
    if not confirms_goal(text=text, persona=persona):
        return False
    return bool(
        Conversation.objects.filter(pk=conversation.pk, converted_at__isnull=True).update(converted_at=timezone.now())
    )


def conversation_url(*, conversation_id: int) -> str:
    """The conversation in the portal inbox (the portal's home if the portal is not installed)."""
    try:
        path = reverse("portal:thread", args=[conversation_id])
    except NoReverseMatch:
        path = "/"
    return f"{settings.PUBLIC_BASE_URL}{path}"


def notify_handoff(*, conversation_id: int) -> None:
    """Email the client's owners that a customer is waiting for a person (failures are logged only)."""
    conversation = conversation_to_notify(conversation_id)
    if conversation is None:
        return

    def message() -> tuple[str, str]:
        subject = _("A customer is waiting for a person: %(contact)s") % {"contact": conversation.contact}
        body = _(
            "%(contact)s wrote to %(number)s and needs a person.\nReason: %(reason)s\n"
            "Open the inbox: %(url)s\n\nWhen you are done, hand the conversation back to the assistant."
        ) % {
            "contact": conversation.contact,
            "number": conversation.number.phone_number,
            "reason": conversation.handoff_reason,
            "url": conversation_url(conversation_id=conversation.pk),
        }
        return subject, body

    email_owners(conversation=conversation, message=message)


def conversation_to_notify(conversation_id: int) -> Conversation | None:
    return Conversation.objects.select_related("client", "contact", "number").filter(pk=conversation_id).first()


def email_owners(*, conversation: Conversation, message: Callable[[], tuple[str, str]]) -> bool:
    """E-mail the client's owners `message()` (subject, body), written in the site's language; the way every
    "someone needs to act" notice (a handoff, a customer's request) reaches them. Failures are logged only."""
    recipients = owner_emails(client=conversation.client)
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = message()
        # A customer picks its own WhatsApp name: one line, or Django refuses the header and nobody is told.
        subject = header_text(subject)
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (OSError, ValueError) as error:  # ValueError: BadHeaderError, should anything slip through
        logger.warning("owner email for conversation %s failed: %s", conversation.pk, error)
        return False
    return True
