"""`/api/v1` endpoints of the assistant: persona, knowledge base and "try your assistant".

Thin views on `ClientScopedApi`: `self.client` is resolved at the edge and passed to selectors and
services, so another client's knowledge entry is a 404 like a missing one.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from ai import selectors, services
from ai.api.serializers import (
    KnowledgeEntrySerializer,
    PersonaSerializer,
    PreviewInputSerializer,
    PreviewOutputSerializer,
)
from ai.throttles import PREVIEW_THROTTLES
from core.schema import page_parameters, paginated
from tenants.access import ClientScopedApi

TAGS = ["assistant"]


class KnowledgePagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _validated(serializer_class, data, *, partial: bool = False, instance=None) -> dict:
    serializer = serializer_class(instance, data=data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PersonaApi(ClientScopedApi):
    """The caller's persona. PUT writes the fields it is given; fields left out keep their value."""

    @extend_schema(tags=TAGS, responses=PersonaSerializer)
    def get(self, request):
        return Response(PersonaSerializer(selectors.persona_for(client=self.client)).data)

    @extend_schema(tags=TAGS, request=PersonaSerializer, responses=PersonaSerializer)
    def put(self, request):
        data = _validated(PersonaSerializer, request.data, partial=True)
        persona = services.persona_update(client=self.client, data=data)
        return Response(PersonaSerializer(persona).data)

    patch = put


class KnowledgeListApi(ClientScopedApi):
    @extend_schema(
        tags=TAGS,
        parameters=page_parameters(KnowledgePagination.max_page_size),
        responses=paginated(KnowledgeEntrySerializer),
        operation_id="v1_knowledge_list",  # its id since the start; a page schema alone would make it "retrieve"
    )
    def get(self, request):
        paginator = KnowledgePagination()
        page = paginator.paginate_queryset(selectors.knowledge_list(client=self.client), request, view=self)
        return paginator.get_paginated_response(KnowledgeEntrySerializer(page, many=True).data)

    @extend_schema(tags=TAGS, request=KnowledgeEntrySerializer, responses={201: KnowledgeEntrySerializer})
    def post(self, request):
        data = _validated(KnowledgeEntrySerializer, request.data)
        entry = services.knowledge_entry_create(client=self.client, question=data["question"], answer=data["answer"])
        return Response(KnowledgeEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class KnowledgeDetailApi(ClientScopedApi):
    @extend_schema(tags=TAGS, responses=KnowledgeEntrySerializer)
    def get(self, request, entry_id: str):
        entry = selectors.knowledge_entry_get(client=self.client, entry_id=entry_id)
        return Response(KnowledgeEntrySerializer(entry).data)

    @extend_schema(tags=TAGS, request=KnowledgeEntrySerializer, responses=KnowledgeEntrySerializer)
    def patch(self, request, entry_id: str):
        entry = selectors.knowledge_entry_get(client=self.client, entry_id=entry_id)
        data = _validated(KnowledgeEntrySerializer, request.data, partial=True, instance=entry)
        entry = services.knowledge_entry_update(entry=entry, data=data)
        return Response(KnowledgeEntrySerializer(entry).data)

    put = patch

    @extend_schema(tags=TAGS, responses={204: None})
    def delete(self, request, entry_id: str):
        entry = selectors.knowledge_entry_get(client=self.client, entry_id=entry_id)
        services.knowledge_entry_delete(entry=entry)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AssistantPreviewApi(ClientScopedApi):
    """What the assistant would answer to `message`. Nothing is sent and no message is stored.

    It may call the paid model, so it is rate-limited per user or key and per client (ai/throttles.py).
    """

    throttle_classes = PREVIEW_THROTTLES

    @extend_schema(
        tags=TAGS,
        request=PreviewInputSerializer,
        responses=PreviewOutputSerializer,
        description="Rate-limited per user or API key (`AI_PREVIEW_USER_RATE`) and per client, shared by all "
        "its users and keys (`AI_PREVIEW_CLIENT_RATE`): over either, 429 `rate_limited` with `Retry-After`.",
    )
    def post(self, request):
        data = _validated(PreviewInputSerializer, request.data)
        draft = services.preview_reply(client=self.client, message=data["message"])
        body = {
            "reply": draft.text,
            "handoff": draft.handoff,
            "reason": draft.reason,
            "language": draft.language,
            "provider": draft.provider,
            "knowledge_entry_id": draft.knowledge_id,
        }
        return Response(PreviewOutputSerializer(body).data)
