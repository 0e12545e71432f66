"""Reading a client's webhooks: always for one client, so another client's ids find nothing (404)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.exceptions import NotFoundError
from core.ids import parse_id
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def endpoint_list(*, client) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.for_client(client).order_by("id")


def endpoint_get(*, client, endpoint_id) -> WebhookEndpoint:
    pk = parse_id(endpoint_id)
    endpoint = WebhookEndpoint.objects.for_client(client).filter(pk=pk).first() if pk else None
    if endpoint is None:
        raise NotFoundError("No such webhook endpoint.")
    return endpoint


def delivery_list(*, client, endpoint: WebhookEndpoint | None = None, status: str = "") -> QuerySet[WebhookDelivery]:
    deliveries = WebhookDelivery.objects.for_client(client).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    if status:
        deliveries = deliveries.filter(status=status)
    return deliveries.order_by("-created_at", "-id")


def delivery_get(*, client, delivery_id, endpoint: WebhookEndpoint | None = None) -> WebhookDelivery:
    pk = parse_id(delivery_id)
    delivery = delivery_list(client=client, endpoint=endpoint).filter(pk=pk).first() if pk else None
    if delivery is None:
        raise NotFoundError("No such webhook delivery.")
    return delivery


def attempts_of(*, client, delivery: WebhookDelivery) -> QuerySet[WebhookAttempt]:
    return WebhookAttempt.objects.for_client(client).filter(delivery=delivery).order_by("number")
