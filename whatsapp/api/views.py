"""`/api/v1` messaging endpoints: numbers, contacts, conversations, messages and sends.

Thin views: validate input, call one selector or service with `self.client`, render. Every lookup
goes through a selector that takes the client, so another client's id is a 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from core.schema import page_parameters, paginated
from tenants.access import ClientScopedApi
from tenants.throttles import CallerRateThrottle, ClientRateThrottle
from whatsapp import selectors
from whatsapp.api.serializers import (
    ContactFilterSerializer,
    ContactOutputSerializer,
    ConversationFilterSerializer,
    ConversationOutputSerializer,
    ErrorSerializer,
    MessageOutputSerializer,
    NumberOutputSerializer,
    SendMessageInputSerializer,
    StartMessageInputSerializer,
)
from whatsapp.models import Conversation
from whatsapp.services import conversations as conversation_services
from whatsapp.services import ownership

TAGS = ["messaging"]


class ApiPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


class SendCallerThrottle(CallerRateThrottle):
    """Sends per API key or user: one runaway integration cannot use up its client's budget."""

    scope = "api-v1-send-caller"
    setting_name = "API_SEND_CALLER_RATE"


class SendClientThrottle(ClientRateThrottle):
    """Sends per client, all its keys and users together: more keys do not mean more sends."""

    scope = "api-v1-send-client"
    setting_name = "API_SEND_CLIENT_RATE"


# Checked in this order; a send refused by the first is not counted by the second.
SEND_THROTTLES = [SendCallerThrottle, SendClientThrottle]


def errors(*codes: int) -> dict[int, type[serializers.Serializer]]:
    return dict.fromkeys(codes, ErrorSerializer)


PAGE_PARAMETERS = page_parameters(ApiPagination.max_page_size)


def acting_user(request):
    """The person behind the request, or None for an API key (integrations have no user row)."""
    return request.user if getattr(request.user, "pk", None) else None


class ClientListApi(ClientScopedApi):
    output_serializer: type[serializers.Serializer]

    def page(self, queryset, *, prepare: Callable[[list], list] | None = None) -> Response:
        """One page of `queryset`; `prepare` may load what the page's rows need in bulk."""
        paginator = ApiPagination()
        items = paginator.paginate_queryset(queryset, self.request, view=self)
        if prepare:
            items = prepare(items)
        return paginator.get_paginated_response(self.output_serializer(items, many=True).data)

    def query(self, serializer_class: type[serializers.Serializer]) -> dict:
        """Validated query parameters (a plain dict, so absent booleans stay None, not False)."""
        filters = serializer_class(data=self.request.query_params.dict())
        filters.is_valid(raise_exception=True)
        return filters.validated_data


class NumberListApi(ClientListApi):
    output_serializer = NumberOutputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Your WhatsApp numbers with this month's free messages left",
        operation_id="v1_numbers_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(NumberOutputSerializer), **errors(401, 403, 404)},
    )
    def get(self, request):
        return self.page(selectors.number_list(client=self.client))


class ContactListApi(ClientListApi):
    output_serializer = ContactOutputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Your contacts (end customers), searchable by name or phone",
        operation_id="v1_contacts_list",
        parameters=[ContactFilterSerializer, *PAGE_PARAMETERS],
        responses={200: paginated(ContactOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request):
        query = self.query(ContactFilterSerializer)
        return self.page(selectors.contact_list(client=self.client, query=query.get("q", "")))


def render_conversation(client, conversation: Conversation) -> Response:
    selectors.attach_last_messages(client=client, conversations=[conversation])
    return Response(ConversationOutputSerializer(conversation).data)


class ConversationListApi(ClientListApi):
    output_serializer = ConversationOutputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Conversations, latest activity first",
        operation_id="v1_conversations_list",
        parameters=[ConversationFilterSerializer, *PAGE_PARAMETERS],
        responses={200: paginated(ConversationOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request):
        query = self.query(ConversationFilterSerializer)
        conversations = selectors.conversation_list(
            client=self.client,
            number=query.get("number"),
            owner=query.get("owner"),
            needs_attention=query.get("needs_attention"),
            converted=query.get("converted"),
        )
        return self.page(
            conversations, prepare=lambda rows: selectors.attach_last_messages(client=self.client, conversations=rows)
        )


class ConversationDetailApi(ClientScopedApi):
    @extend_schema(tags=TAGS, summary="One conversation", responses={200: ConversationOutputSerializer, **errors(404)})
    def get(self, request, conversation_id: int):
        conversation = selectors.conversation_get(client=self.client, conversation_id=conversation_id)
        return render_conversation(self.client, conversation)


class ConversationMessagesApi(ClientListApi):
    output_serializer = MessageOutputSerializer

    def get_throttles(self):
        return [throttle() for throttle in SEND_THROTTLES] if self.request.method == "POST" else []

    @extend_schema(
        tags=TAGS,
        summary="A conversation's messages, oldest first",
        operation_id="v1_conversations_messages_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(MessageOutputSerializer), **errors(401, 403, 404)},
    )
    def get(self, request, conversation_id: int):
        conversation = selectors.conversation_get(client=self.client, conversation_id=conversation_id)
        return self.page(selectors.message_list(client=self.client, conversation=conversation))

    @extend_schema(
        tags=TAGS,
        summary="Send a message in a conversation as an agent",
        description="`text` needs the 24-hour customer-service window open (else 422 `window_closed`); "
        "`template` is always allowed. The message is recorded as `pending` and sent by the worker. "
        "Sending does not take the conversation over from the AI.",
        request=SendMessageInputSerializer,
        responses={202: MessageOutputSerializer, **errors(400, 404, 409, 422, 429)},
    )
    def post(self, request, conversation_id: int):
        conversation = selectors.conversation_get(client=self.client, conversation_id=conversation_id)
        data = SendMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = conversation_services.send_agent_message(
            conversation=conversation,
            text=data.validated_data.get("text", ""),
            template=data.validated_data.get("template"),
            user=acting_user(request),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class SendMediaInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG/PNG up to 5 MB, or PDF, Word, Excel, text up to 16 MB.")
    caption = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="")


class ConversationMediaApi(ClientScopedApi):
    """POST a photo or a document (multipart/form-data): uploaded to WhatsApp first, then sent by id."""

    def get_throttles(self):
        return [throttle() for throttle in SEND_THROTTLES]

    @extend_schema(
        tags=TAGS,
        summary="Send a photo or a document in a conversation as an agent",
        description="Multipart `file` (+ `caption`). Needs the 24-hour window (else 422 `window_closed`); an "
        "unsupported type or size is 400 `unsupported_media`; Meta refusing the upload is 502 `media_upload_failed`.",
        request={"multipart/form-data": SendMediaInputSerializer},
        responses={202: MessageOutputSerializer, **errors(400, 404, 409, 422, 429)},
    )
    def post(self, request, conversation_id: int):
        conversation = selectors.conversation_get(client=self.client, conversation_id=conversation_id)
        data = SendMediaInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        message = conversation_services.send_agent_media(
            conversation=conversation,
            content=upload.read(conversation_services.MAX_DOCUMENT_BYTES + 1),
            mime_type=upload.content_type or "",
            filename=upload.name or "file",
            caption=data.validated_data["caption"],
            user=acting_user(request),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)


class ConversationActionApi(ClientScopedApi):
    """Base of the one-verb conversation endpoints: load the conversation, apply, render it."""

    def apply(self, conversation_id: int, action) -> Response:
        conversation = selectors.conversation_get(client=self.client, conversation_id=conversation_id)
        return render_conversation(self.client, action(conversation=conversation))


ACTION_RESPONSES = {200: ConversationOutputSerializer, **errors(401, 403, 404)}


class TakeoverApi(ConversationActionApi):
    @extend_schema(
        tags=TAGS,
        summary="A person takes the conversation over (the AI stops answering)",
        request=None,
        responses=ACTION_RESPONSES,
    )
    def post(self, request, conversation_id: int):
        return self.apply(conversation_id, partial(ownership.take_over, user=request.user))


class HandbackApi(ConversationActionApi):
    @extend_schema(tags=TAGS, summary="Hand the conversation back to the AI", request=None, responses=ACTION_RESPONSES)
    def post(self, request, conversation_id: int):
        return self.apply(conversation_id, ownership.hand_back)


class ConvertApi(ConversationActionApi):
    @extend_schema(
        tags=TAGS,
        summary="Mark the conversation converted (it reached the business goal)",
        request=None,
        responses=ACTION_RESPONSES,
    )
    def post(self, request, conversation_id: int):
        return self.apply(conversation_id, conversation_services.mark_converted)

    @extend_schema(tags=TAGS, summary="Unmark the conversion", request=None, responses=ACTION_RESPONSES)
    def delete(self, request, conversation_id: int):
        return self.apply(conversation_id, conversation_services.unmark_converted)


class StartMessageApi(ClientScopedApi):
    throttle_classes = SEND_THROTTLES

    @extend_schema(
        tags=TAGS,
        summary="Send from one of your numbers to any phone, starting or continuing the conversation",
        description="`to` is E.164 (national numbers are read as Colombian). A free-form `text` needs the "
        "customer to have written in the last 24 hours (else 422 `window_closed`); a `template` is always "
        "allowed. 404 when the number is not yours, 409 when it is not active.",
        request=StartMessageInputSerializer,
        responses={202: MessageOutputSerializer, **errors(400, 404, 409, 422, 429)},
    )
    def post(self, request):
        data = StartMessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = conversation_services.start_conversation(
            client=self.client,
            phone_number_id=data.validated_data["phone_number_id"],
            to=data.validated_data["to"],
            text=data.validated_data.get("text", ""),
            template=data.validated_data.get("template"),
            user=acting_user(request),
        )
        return Response(MessageOutputSerializer(message).data, status=status.HTTP_202_ACCEPTED)
