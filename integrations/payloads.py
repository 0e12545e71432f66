"""The `data` of each event, built in the worker from ids, in the same shapes as the `/api/v1` answers.

Everything is read within the event's client: an id of another client finds nothing and no event goes.
"""

from __future__ import annotations

from typing import Any

from billing.models import UsageAlert
from integrations import events
from whatsapp.api.customer_requests import RequestOutputSerializer
from whatsapp.api.serializers import ConversationOutputSerializer, MessageOutputSerializer
from whatsapp.models import Conversation, CustomerRequest, Message


def _conversation(conversation: Conversation) -> dict[str, Any]:
    conversation.last_message = None  # the API's list attaches it; an event names its own message
    return ConversationOutputSerializer(conversation).data


def _message_data(client_id: int, message_id: Any) -> dict[str, Any] | None:
    message = (
        Message.objects.for_client(client_id)
        .select_related("sent_by_user", "conversation__contact", "conversation__number")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        return None
    return {"message": MessageOutputSerializer(message).data, "conversation": _conversation(message.conversation)}


def _conversation_data(client_id: int, conversation_id: Any) -> dict[str, Any] | None:
    conversation = (
        Conversation.objects.for_client(client_id)
        .select_related("contact", "number")
        .filter(pk=conversation_id)
        .first()
    )
    return None if conversation is None else {"conversation": _conversation(conversation)}


def _request_data(client_id: int, event: str, ref: dict[str, Any]) -> dict[str, Any] | None:
    request = (
        CustomerRequest.objects.for_client(client_id).select_related("contact").filter(pk=ref.get("request_id")).first()
    )
    if request is None:
        return None
    data: dict[str, Any] = {"request": RequestOutputSerializer(request).data}
    if event == events.REQUEST_STATUS:
        data.update(previous_status=ref.get("previous", ""), status_at=ref.get("at"))
    return data


def build(client_id: int, event: str, ref: dict[str, Any]) -> dict[str, Any] | None:
    """The event's `data`, or None when what it names is gone (or not this client's)."""
    if event in (events.MESSAGE_RECEIVED, events.MESSAGE_SENT):
        return _message_data(client_id, ref.get("message_id"))
    if event == events.MESSAGE_STATUS:
        data = _message_data(client_id, ref.get("message_id"))
        if data is not None:
            data.update(status=ref.get("status"), status_at=ref.get("at"))
        return data
    if event == events.CONVERSATION_HANDOFF:
        data = _conversation_data(client_id, ref.get("conversation_id"))
        if data is not None:
            data["reason"] = ref.get("reason", "")
        return data
    if event == events.CONVERSATION_TAKEN_OVER:
        data = _conversation_data(client_id, ref.get("conversation_id"))
        if data is not None:
            data["taken_over_by"] = ref.get("by", "")
        return data
    if event in (events.REQUEST_CREATED, events.REQUEST_STATUS):
        return _request_data(client_id, event, ref)
    if event == events.USAGE_THRESHOLD:
        alert = UsageAlert.objects.for_client(client_id).select_related("number").filter(pk=ref.get("alert_id")).first()
        if alert is None:
            return None
        return {
            "number": {
                "id": alert.number_id,
                "phone_number": alert.number.phone_number,
                "phone_number_id": alert.number.phone_number_id,
            },
            "month": alert.month.strftime("%Y-%m"),
            "threshold": alert.threshold,
            "used": alert.service_messages,
            "allowance": alert.allowance,
            "policy": alert.policy,
        }
    return None
