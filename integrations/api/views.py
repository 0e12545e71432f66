"""`/api/v1/webhooks`: a client's outgoing webhook endpoints, their deliveries, and redelivery.

Thin views on `ClientScopedApi`: another client's endpoint or delivery id is a 404 like a missing one.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

from integrations import selectors, services
from integrations.api.serializers import (
    DeliveryDetailSerializer,
    DeliveryFilterSerializer,
    DeliveryOutputSerializer,
    EndpointInputSerializer,
    EndpointOutputSerializer,
    EndpointPatchSerializer,
    EndpointWithSecretSerializer,
    SecretSerializer,
)
from tenants.access import ClientScopedApi
from tenants.authentication import ApiKeyUser
from tenants.models import Membership
from tenants.selectors import memberships_of
from whatsapp.api.views import PAGE_PARAMETERS, errors, paginated

TAGS = ["webhooks"]
# The list answers `{"results": [...]}` (a client has few endpoints: no pages).
ENDPOINT_LIST = inline_serializer("EndpointList", {"results": EndpointOutputSerializer(many=True)})


class WebhooksApi(ClientScopedApi):
    """Webhooks are the owners' (as in the portal) and integrators' (API keys); an agent's token is a 403."""

    def check_throttles(self, request) -> None:
        super().check_throttles(request)  # resolves self.client first
        user = request.user
        if isinstance(user, ApiKeyUser) or getattr(user, "is_staff", False):
            return
        roles = {m.role for m in memberships_of(user) if m.client_id == self.client.pk}
        if Membership.Role.OWNER not in roles:
            raise exceptions.PermissionDenied("Only the business's owners and its API keys manage webhooks.")


class DeliveryPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _with_secret(endpoint, secret: str) -> dict:
    return {**EndpointOutputSerializer(endpoint).data, "secret": secret}


class WebhookListApi(WebhooksApi):
    @extend_schema(
        tags=TAGS,
        summary="Your outgoing webhook endpoints",
        operation_id="v1_webhooks_list",
        responses={200: ENDPOINT_LIST, **errors(401, 403, 404)},
    )
    def get(self, request):
        endpoints = selectors.endpoint_list(client=self.client)
        return Response({"results": EndpointOutputSerializer(endpoints, many=True).data})

    @extend_schema(
        tags=TAGS,
        summary="Add an endpoint; the answer carries its signing secret, shown only this once",
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request):
        data = _validated(EndpointInputSerializer, request.data)
        endpoint, secret = services.endpoint_create(client=self.client, **data)
        response = Response(_with_secret(endpoint, secret), status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class WebhookDetailApi(WebhooksApi):
    @extend_schema(tags=TAGS, summary="One endpoint", responses={200: EndpointOutputSerializer, **errors(404)})
    def get(self, request, endpoint_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(
        tags=TAGS,
        summary="Change an endpoint's URL, events, description or enabled flag",
        request=EndpointPatchSerializer,
        responses={200: EndpointOutputSerializer, **errors(400, 404)},
    )
    def patch(self, request, endpoint_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        data = _validated(EndpointPatchSerializer, request.data)
        endpoint = services.endpoint_update(endpoint=endpoint, data=data)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(tags=TAGS, summary="Delete an endpoint and its deliveries", responses={204: None, **errors(404)})
    def delete(self, request, endpoint_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        services.endpoint_delete(endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookRotateSecretApi(WebhooksApi):
    @extend_schema(
        tags=TAGS,
        summary="Replace the signing secret (the old one stops at once)",
        request=None,
        responses={200: SecretSerializer, **errors(404)},
    )
    def post(self, request, endpoint_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        response = Response({"secret": services.endpoint_rotate_secret(endpoint=endpoint)})
        response["Cache-Control"] = "no-store"
        return response


class WebhookDeliveryListApi(WebhooksApi):
    @extend_schema(
        tags=TAGS,
        summary="An endpoint's deliveries, newest first",
        operation_id="v1_webhooks_deliveries_list",
        parameters=[OpenApiParameter("status", str, description="Only deliveries in this status."), *PAGE_PARAMETERS],
        responses={200: paginated(DeliveryOutputSerializer), **errors(400, 404)},
    )
    def get(self, request, endpoint_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        filters = _validated(DeliveryFilterSerializer, request.query_params.dict())
        deliveries = selectors.delivery_list(client=self.client, endpoint=endpoint, status=filters.get("status", ""))
        paginator = DeliveryPagination()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(DeliveryOutputSerializer(page, many=True).data)


class WebhookDeliveryDetailApi(WebhooksApi):
    @extend_schema(
        tags=TAGS,
        summary="One delivery with its body and every attempt",
        responses={200: DeliveryDetailSerializer, **errors(404)},
    )
    def get(self, request, endpoint_id: str, delivery_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        delivery = selectors.delivery_get(client=self.client, endpoint=endpoint, delivery_id=delivery_id)
        return Response(DeliveryDetailSerializer(delivery).data)


class WebhookRedeliverApi(WebhooksApi):
    @extend_schema(
        tags=TAGS,
        summary="Send the same event again, as a new delivery (same event id and body)",
        request=None,
        responses={202: DeliveryOutputSerializer, **errors(404, 409)},
    )
    def post(self, request, endpoint_id: str, delivery_id: str):
        endpoint = selectors.endpoint_get(client=self.client, endpoint_id=endpoint_id)
        delivery = selectors.delivery_get(client=self.client, endpoint=endpoint, delivery_id=delivery_id)
        again = services.delivery_redeliver(delivery=delivery)
        return Response(DeliveryOutputSerializer(again).data, status=status.HTTP_202_ACCEPTED)
