"""Reads of a client's numbers, contacts, conversations and messages.

Every function takes the client and filters by it first, so an id that belongs to another
client finds nothing and callers answer 404 ("missing" and "not yours" look alike).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery

from billing.months import day_bounds
from core.exceptions import NotFoundError
from core.ids import parse_id
from tenants.models import Client, WhatsAppNumber
from whatsapp.models import Contact, Conversation, ConversationRead, CustomerRequest, Message, MessageTemplate


def number_list(*, client: Client) -> QuerySet[WhatsAppNumber]:
    return WhatsAppNumber.objects.for_client(client).select_related("client").order_by("phone_number")


def number_by_phone_number_id(*, client: Client, phone_number_id: str) -> WhatsAppNumber:
    """The client's number with this Meta id; another client's number is as missing as none."""
    number = number_list(client=client).filter(phone_number_id=str(phone_number_id)).first()
    if number is None or not phone_number_id:
        raise NotFoundError("No WhatsApp number with that phone_number_id.", code="number_not_found")
    return number


def contact_list(*, client: Client, query: str = "") -> QuerySet[Contact]:
    """Contacts, newest activity first; `query` matches the profile name, the username, the BSUID or any
    part of the phone."""
    contacts = Contact.objects.for_client(client).filter(erased_at__isnull=True)  # an erased one names nobody
    query = query.strip()
    if query:
        digits = "".join(ch for ch in query if ch.isdigit())
        condition = Q(profile_name__icontains=query) | Q(username__iexact=query.lstrip("@")) | Q(user_id=query)
        if digits:
            condition |= Q(wa_id__contains=digits)
        contacts = contacts.filter(condition)
    return contacts.order_by("-updated_at", "-id")


def contact_get(*, client: Client, contact_id: int) -> Contact:
    """The client's contact; another client's id is as missing as none (404 `contact_not_found`)."""
    contact = Contact.objects.for_client(client).filter(pk=contact_id).first()
    if contact is None:
        raise NotFoundError("No contact with that id.", code="contact_not_found")
    return contact


def contact_conversations(*, client: Client, contact: Contact) -> QuerySet[Conversation]:
    """The contact's conversations (one per number of the client), oldest first."""
    return (
        Conversation.objects.for_client(client)
        .filter(contact_id=contact.pk)
        .select_related("number", "contact")
        .order_by("created_at", "id")
    )


def conversation_list(
    *,
    client: Client,
    number_id: int | None = None,
    number: str | None = None,
    owner: str | None = None,
    needs_attention: bool | None = None,
    converted: bool | None = None,
) -> QuerySet[Conversation]:
    """Conversations, latest message first, each with its last message annotated for previews.

    `number` names one of the client's numbers by id, Meta phone number id or E.164 phone number.
    """
    conversations = _conversations(client=client)
    if number_id is not None:
        conversations = conversations.filter(number_id=number_id)
    if number:
        conversations = conversations.filter(_number_matches(number))
    if owner:
        conversations = conversations.filter(owner=owner)
    if needs_attention is not None:
        conversations = conversations.filter(needs_attention=needs_attention)
    if converted is not None:
        conversations = conversations.filter(converted_at__isnull=not converted)
    return conversations.order_by(F("last_message_at").desc(nulls_last=True), "-id")


def _number_matches(value: str) -> Q:
    # An unencoded `+` in a query string arrives as a space: "+57…" and "57…" both name the phone.
    value = value.strip()
    condition = Q(number__phone_number_id=value) | Q(number__phone_number=value)
    if value.isascii() and value.isdigit():
        condition |= Q(number__phone_number=f"+{value}")
        if number_id := parse_id(value):
            condition |= Q(number_id=number_id)
    return condition


def conversation_get(*, client: Client, conversation_id: int) -> Conversation:
    conversation = _conversations(client=client).filter(pk=conversation_id).first()
    if conversation is None:
        raise NotFoundError("No conversation with that id.", code="conversation_not_found")
    return conversation


def message_list(*, client: Client, conversation: Conversation) -> QuerySet[Message]:
    """The conversation's messages in the order they happened."""
    return (
        Message.objects.for_client(client)
        .filter(conversation_id=conversation.pk)
        .select_related("sent_by_user")
        .order_by("created_at", "id")
    )


def last_messages(*, client: Client, conversations: list[Conversation]) -> dict[int, Message]:
    """The last message of each conversation read through `_conversations`, by conversation id, in one query."""
    ids = [c.last_message_id for c in conversations if getattr(c, "last_message_id", None)]
    return {m.conversation_id: m for m in Message.objects.for_client(client).filter(pk__in=ids)}


def unread_counts(*, client: Client, user, conversation_ids: list[int]) -> dict[int, int]:
    """How many customer messages of each conversation arrived since `user` last had it open (their own read
    mark; none yet: all of them), by conversation id, in one grouped query; conversations with none are left out.
    Other people's marks do not count: each member of the team has their own unread."""
    mark = ConversationRead.objects.filter(conversation_id=OuterRef("conversation_id"), user_id=user.pk)
    return dict(
        Message.objects.for_client(client)
        .filter(conversation_id__in=conversation_ids, direction=Message.Direction.INBOUND)
        .annotate(person_read_at=Subquery(mark.values("read_at")[:1]))
        .filter(Q(person_read_at__isnull=True) | Q(created_at__gt=F("person_read_at")))
        .values("conversation_id")
        .annotate(n=Count("id"))
        .values_list("conversation_id", "n")
    )


def attach_last_messages(*, client: Client, conversations: list[Conversation]) -> list[Conversation]:
    """Set `last_message` (or None) on each conversation, for serializers."""
    by_conversation = last_messages(client=client, conversations=conversations)
    for conversation in conversations:
        conversation.last_message = by_conversation.get(conversation.pk)
    return conversations


def _conversations(*, client: Client) -> QuerySet[Conversation]:
    last = Message.objects.filter(conversation_id=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        Conversation.objects.for_client(client)
        .select_related("contact", "number__client")
        .annotate(last_message_id=Subquery(last.values("id")[:1]))
    )


def shared_waba(waba_id: str) -> bool:
    """The operator's WABA, shared by every hosted number (its templates each belong to one client)."""
    return bool(waba_id) and waba_id == str(settings.WHATSAPP_BUSINESS_ACCOUNT_ID or "")


def approved_templates(*, waba_id: str, client: Client | None = None) -> list[MessageTemplate]:
    """The WABA's APPROVED templates from the local rows (whatsapp.services.message_templates keeps them); in
    the operator's shared WABA only those the operator gave to `client`."""
    if not waba_id:
        return []
    rows = MessageTemplate.objects.filter(waba_id=waba_id, status="APPROVED")
    if shared_waba(waba_id):
        rows = rows.filter(client=client) if client is not None else rows.none()
    return list(rows)


def template_list(*, client: Client, waba_ids: list[str]) -> QuerySet[MessageTemplate]:
    """Every template (any status) the client may see in these WABAs, its numbers' ones: all of a WABA of its
    own, and in the operator's shared WABA only those the operator gave to it (never another client's)."""
    own = [w for w in waba_ids if w and not shared_waba(w)]
    shared = [w for w in waba_ids if shared_waba(w)]
    visible = Q(waba_id__in=own) | Q(waba_id__in=shared, client=client)
    return MessageTemplate.objects.filter(visible) if own or shared else MessageTemplate.objects.none()


def template_of_another_client(*, waba_id: str, name: str, client: Client) -> bool:
    """In the shared WABA, a template the operator gave to some other client (a hosted client may not send it)."""
    if not shared_waba(waba_id):
        return False
    owners = MessageTemplate.objects.filter(waba_id=waba_id, name=name).values_list("client_id", flat=True)
    return any(owner is not None and owner != client.pk for owner in owners)


def template_category(*, waba_id: str, name: str, language: str) -> str:
    """The category Meta gave the template (`marketing`, `utility`, `authentication`), or "" if unknown."""
    return (
        MessageTemplate.objects.filter(waba_id=waba_id, name=name, language=language)
        .values_list("category", flat=True)
        .first()
        or ""
    )


def customer_request_list(
    *,
    client: Client,
    status: str | None = None,
    kind: str | None = None,
    created_from: date | None = None,
    created_to: date | None = None,
    conversation_id: int | None = None,
) -> QuerySet[CustomerRequest]:
    """The client's requests, newest first, with their contact; days are whole days in TIME_ZONE
    (`created_to` included)."""
    found = CustomerRequest.objects.for_client(client).select_related("contact")
    if status:
        found = found.filter(status=status)
    if kind:
        found = found.filter(kind=kind)
    if created_from:
        found = found.filter(created_at__gte=day_bounds(created_from)[0])
    if created_to:
        found = found.filter(created_at__lt=day_bounds(created_to)[1])
    if conversation_id is not None:
        found = found.filter(conversation_id=conversation_id)
    return found.order_by("-created_at", "-id")


def customer_request_get(*, client: Client, request_id: int) -> CustomerRequest:
    request = customer_request_list(client=client).filter(pk=request_id).first()
    if request is None:
        raise NotFoundError("No request with that id.", code="request_not_found")
    return request


def customer_request_counts(*, client: Client) -> dict[str, int]:
    """How many requests the client has in each status (every status present, 0 when none)."""
    rows = CustomerRequest.objects.for_client(client).values("status").annotate(n=Count("id"))
    counts = dict.fromkeys(CustomerRequest.Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts
