"""`/api/v1` messaging routes (mounted by crm/urls.py under `api/v1/`)."""

from django.urls import path

from whatsapp.api import customer_requests, views

urlpatterns = [
    path("numbers", views.NumberListApi.as_view(), name="api-v1-numbers"),
    path("contacts", views.ContactListApi.as_view(), name="api-v1-contacts"),
    path("conversations", views.ConversationListApi.as_view(), name="api-v1-conversations"),
    path("conversations/<int:conversation_id>", views.ConversationDetailApi.as_view(), name="api-v1-conversation"),
    path(
        "conversations/<int:conversation_id>/messages",
        views.ConversationMessagesApi.as_view(),
        name="api-v1-conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/media",
        views.ConversationMediaApi.as_view(),
        name="api-v1-conversation-media",
    ),
    path(
        "conversations/<int:conversation_id>/takeover", views.TakeoverApi.as_view(), name="api-v1-conversation-takeover"
    ),
    path(
        "conversations/<int:conversation_id>/handback", views.HandbackApi.as_view(), name="api-v1-conversation-handback"
    ),
    path("conversations/<int:conversation_id>/convert", views.ConvertApi.as_view(), name="api-v1-conversation-convert"),
    path("messages", views.StartMessageApi.as_view(), name="api-v1-messages"),
    path("requests", customer_requests.RequestListApi.as_view(), name="api-v1-requests"),
    path("requests/<int:request_id>", customer_requests.RequestDetailApi.as_view(), name="api-v1-request"),
]
