"""Billing routes, mounted by crm/urls.py under `api/`: `/api/v1/usage`."""

from django.urls import path

from billing.api import views

urlpatterns = [
    path("v1/usage", views.UsageApi.as_view(), name="api-v1-usage"),
]
