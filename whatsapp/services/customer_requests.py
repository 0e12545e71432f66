"""Requests customers make in a conversation (a booking, an order, a call back): recorded, moved through their
statuses by people, and announced to the client's owners.

The only writer of CustomerRequest and of `Conversation.request_draft`. The assistant (`ai.intake`, the OpenAI
tool) decides that a request is complete; the reply pipeline (`whatsapp.services.replies`) records it here in
the same transaction as the reply, so a reply task that runs twice records it once.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from ai.intake import RequestCapture
from audit.services import audit_record
from core.exceptions import ApplicationError
from core.queue import enqueue_on_commit
from whatsapp.models import Conversation, CustomerRequest, Message
from whatsapp.services.ownership import conversation_to_notify, conversation_url, email_owners
from whatsapp.signals import customer_request_recorded, customer_request_status_changed

Status = CustomerRequest.Status

# Where people may move a request: a finished or cancelled one stays as it is.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.CONFIRMED, Status.DONE, Status.CANCELLED}),
    Status.CONFIRMED: frozenset({Status.DONE, Status.CANCELLED}),
    Status.DONE: frozenset(),
    Status.CANCELLED: frozenset(),
}


def request_draft_store(*, conversation: Conversation, state: dict | None) -> None:
    """Keep the guided exchange's state with the conversation (None: the exchange is over)."""
    Conversation.objects.filter(pk=conversation.pk).update(request_draft=state)
    conversation.request_draft = state


def request_record(
    *, conversation: Conversation, capture: RequestCapture, provider: str, source_message: Message | None = None
) -> CustomerRequest:
    """Record the customer's confirmed request, count the conversation as converted, and tell the owners.

    A request is the business goal reached, so it marks the conversation converted like a confirmation would
    (the first time only: an earlier conversion keeps its date)."""
    request = CustomerRequest.objects.create(
        client_id=conversation.client_id,
        contact_id=conversation.contact_id,
        conversation=conversation,
        source_message=source_message,
        kind=capture.kind if capture.kind in CustomerRequest.Kind.values else CustomerRequest.Kind.BOOKING,
        details=capture.as_details(),
        provider=provider[:20],
    )
    Conversation.objects.filter(pk=conversation.pk, converted_at__isnull=True).update(converted_at=request.created_at)
    enqueue_on_commit("whatsapp.notify_request", request.pk)  # an e-mail never holds up the reply
    customer_request_recorded.send(sender=CustomerRequest, request=request)
    return request


def request_set_status(*, request: CustomerRequest, status: str, user=None) -> CustomerRequest:
    """Move a request to `status` (setting the status it has is a no-op); a move the workflow does not allow
    (a done request back to new, anything out of cancelled) is refused with 409."""
    if status not in Status.values:
        raise ApplicationError(
            f"Unknown status {status!r}; use one of {', '.join(Status.values)}.", code="invalid_status"
        )
    if status == request.status:
        return request
    if status not in TRANSITIONS[request.status]:
        raise ApplicationError(
            f"A {request.status} request cannot become {status}.",
            code="invalid_status_transition",
            status=409,
            details={"status": request.status, "allowed": sorted(TRANSITIONS[request.status])},
        )
    before = request.status
    now = timezone.now()
    # Conditional on the status read, so two people moving it at once cannot both win.
    moved = CustomerRequest.objects.filter(pk=request.pk, status=before).update(
        status=status, status_changed_at=now, updated_at=now
    )
    if not moved:
        raise ApplicationError("The request changed meanwhile; reload it.", code="conflict", status=409)
    request.status, request.status_changed_at, request.updated_at = status, now, now
    audit_record(
        action="request.status_changed",
        client=request.client_id,
        obj=request,
        before={"status": before},
        after={"status": status},
        actor=user if user is not None else "current",
    )
    customer_request_status_changed.send(sender=CustomerRequest, request=request, previous=before)
    return request


def notify_request(*, request_id: int) -> None:
    """E-mail the client's owners about a new request, the way a handoff is announced (failures logged only)."""
    request = CustomerRequest.objects.filter(pk=request_id).only("id", "conversation_id", "kind", "details").first()
    if request is None:
        return
    conversation = conversation_to_notify(request.conversation_id)
    if conversation is None:
        return

    def message() -> tuple[str, str]:
        subject = _("New request from %(contact)s: %(kind)s") % {
            "contact": conversation.contact,
            "kind": request.get_kind_display(),
        }
        lines = "\n".join(f"{d.get('label', '')}: {d.get('value', '')}" for d in request.details)
        body = _(
            "%(contact)s asked %(number)s for a %(kind)s:\n%(details)s\n\nOpen the conversation: %(url)s\n"
            "Confirm it with the customer and change its status under Requests."
        ) % {
            "contact": conversation.contact,
            "number": conversation.number.phone_number,
            "kind": request.get_kind_display().lower(),
            "details": lines,
            "url": conversation_url(conversation_id=conversation.pk),
        }
        return subject, body

    email_owners(conversation=conversation, message=message)
