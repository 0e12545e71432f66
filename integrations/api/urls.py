"""`/api/v1` outgoing webhook routes (mounted by crm/urls.py under `api/v1/`)."""

from django.urls import path

from integrations.api import views

urlpatterns = [
    path("webhooks", views.WebhookListApi.as_view(), name="api-v1-webhooks"),
    path("webhooks/<str:endpoint_id>", views.WebhookDetailApi.as_view(), name="api-v1-webhook"),
    path(
        "webhooks/<str:endpoint_id>/rotate-secret",
        views.WebhookRotateSecretApi.as_view(),
        name="api-v1-webhook-rotate-secret",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries",
        views.WebhookDeliveryListApi.as_view(),
        name="api-v1-webhook-deliveries",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>",
        views.WebhookDeliveryDetailApi.as_view(),
        name="api-v1-webhook-delivery",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/redeliver",
        views.WebhookRedeliverApi.as_view(),
        name="api-v1-webhook-redeliver",
    ),
]
