"""Helpers of the billing tests: outbound messages as the send path leaves them, and API callers."""

from __future__ import annotations

import requests
from django.utils import timezone
from rest_framework.test import APIClient

from tenants.tokens import api_token_issue
from tests.factories import ConversationFactory, MembershipFactory, MessageFactory, UserFactory
from whatsapp.models import Message
from whatsapp.services.outbound import count_accepted_message


def accepted_message(number, *, sent_by="ai", kind="text", conversation=None, **kwargs) -> Message:
    """An outbound message Meta accepted (status sent), not counted yet."""
    conversation = conversation or ConversationFactory(number=number)
    return MessageFactory(
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=kind,
        status=Message.Status.SENT,
        sent_by=sent_by,
        sent_at=kwargs.pop("sent_at", None) or timezone.now(),
        **kwargs,
    )


def send_counted(number, count: int = 1, **kwargs) -> list[Message]:
    """`count` accepted messages, each counted the way the send path counts them."""
    conversation = kwargs.pop("conversation", None) or ConversationFactory(number=number)
    messages = []
    for _ in range(count):
        message = accepted_message(number, conversation=conversation, **kwargs)
        assert count_accepted_message(message.pk)
        messages.append(message)
    return messages


def api_as(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=user)}")
    return api


def member_api(client, role="owner") -> APIClient:
    return api_as(MembershipFactory(client=client, role=role).user)


def staff_api() -> APIClient:
    return api_as(UserFactory(is_staff=True))


CUSTOMER = "573001112233"


def replies_received(base_url, number):
    response = requests.get(
        f"{base_url}/sandbox/api/messages",
        params={"phone_number_id": number.phone_number_id, "to": f"+{CUSTOMER}"},
        timeout=10,
    )
    return response.json()["results"]
