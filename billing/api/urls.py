"""Billing routes, mounted by crm/urls.py under `api/`: the stats contracts and `/api/v1/usage`."""

from django.urls import path

from billing.api import views

urlpatterns = [
    path("client/<int:client_id>/stats", views.ClientStatsApi.as_view(), name="api-client-stats"),
    path("dashboard/metrics", views.DashboardMetricsApi.as_view(), name="api-dashboard-metrics"),
    path("v1/usage", views.UsageApi.as_view(), name="api-v1-usage"),
]
