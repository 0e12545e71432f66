"""`/api/v1/requests`: the bookings, orders and call backs customers asked for, and their status changes.

Thin views like the rest of `/api/v1`: validate, call one selector or service with `self.client`, render.
Another client's request is a 404 (`request_not_found`).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from core.schema import paginated
from tenants.access import ClientScopedApi
from whatsapp import selectors
from whatsapp.api.serializers import ContactOutputSerializer
from whatsapp.api.views import PAGE_PARAMETERS, ClientListApi, errors
from whatsapp.models import CustomerRequest
from whatsapp.services import customer_requests

TAGS = ["requests"]


class RequestFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=CustomerRequest.Status.choices, required=False)
    kind = serializers.ChoiceField(choices=CustomerRequest.Kind.choices, required=False)
    created_from = serializers.DateField(required=False, help_text="First day (YYYY-MM-DD, in TIME_ZONE).")
    created_to = serializers.DateField(required=False, help_text="Last day included (YYYY-MM-DD, in TIME_ZONE).")
    conversation = serializers.IntegerField(required=False, min_value=1, help_text="Only this conversation's.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and start > end:
            raise serializers.ValidationError({"created_to": "Must be on or after created_from."})
        return attrs


class RequestDetailSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The detail's key, from the persona's list (e.g. `dia_y_hora`).")
    label = serializers.CharField(help_text="The detail as the persona names it (e.g. `Día y hora`).")
    value = serializers.CharField(help_text="What the customer said.")


class RequestOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=CustomerRequest.Kind.choices)
    status = serializers.ChoiceField(choices=CustomerRequest.Status.choices)
    details = RequestDetailSerializer(many=True)
    contact = ContactOutputSerializer()
    conversation_id = serializers.IntegerField()
    provider = serializers.CharField(help_text="Who took it down: `offline` (guided exchange) or `openai` (tool call).")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField(allow_null=True)


class RequestStatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=CustomerRequest.Status.choices,
        help_text="new → confirmed → done; new or confirmed → cancelled. Done and cancelled are final.",
    )


class RequestListApi(ClientListApi):
    output_serializer = RequestOutputSerializer

    @extend_schema(
        tags=TAGS,
        summary="Requests customers made (bookings, orders, call backs), newest first",
        operation_id="v1_requests_list",
        parameters=[RequestFilterSerializer, *PAGE_PARAMETERS],
        responses={200: paginated(RequestOutputSerializer), **errors(400, 401, 403, 404)},
    )
    def get(self, request):
        query = self.query(RequestFilterSerializer)
        return self.page(
            selectors.customer_request_list(
                client=self.client,
                status=query.get("status"),
                kind=query.get("kind"),
                created_from=query.get("created_from"),
                created_to=query.get("created_to"),
                conversation_id=query.get("conversation"),
            )
        )


class RequestDetailApi(ClientScopedApi):
    @extend_schema(
        tags=TAGS,
        summary="One request",
        operation_id="v1_requests_retrieve",
        responses={200: RequestOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, request_id: int):
        found = selectors.customer_request_get(client=self.client, request_id=request_id)
        return Response(RequestOutputSerializer(found).data)

    @extend_schema(
        tags=TAGS,
        summary="Change a request's status",
        description="409 `invalid_status_transition` when the workflow does not allow the move.",
        operation_id="v1_requests_partial_update",
        request=RequestStatusInputSerializer,
        responses={200: RequestOutputSerializer, **errors(400, 401, 403, 404, 409)},
    )
    def patch(self, request, request_id: int):
        found = selectors.customer_request_get(client=self.client, request_id=request_id)
        data = RequestStatusInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = customer_requests.request_set_status(request=found, status=data.validated_data["status"])
        return Response(RequestOutputSerializer(changed).data)
