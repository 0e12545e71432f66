"""`/api/v1` assistant routes (mounted by crm/urls.py under `api/v1/`)."""

from django.urls import path

from ai.api import views

urlpatterns = [
    path("persona", views.PersonaApi.as_view(), name="api-v1-persona"),
    path("knowledge", views.KnowledgeListApi.as_view(), name="api-v1-knowledge"),
    path("knowledge/<str:entry_id>", views.KnowledgeDetailApi.as_view(), name="api-v1-knowledge-entry"),
    path("assistant/preview", views.AssistantPreviewApi.as_view(), name="api-v1-assistant-preview"),
]
