"""Report routes, mounted by crm/urls.py under `api/`."""

from django.urls import path

from portal.api import views

urlpatterns = [
    path("client/<int:client_id>/stats", views.ClientStatsApi.as_view(), name="api-client-stats"),
    path("dashboard/metrics", views.DashboardMetricsApi.as_view(), name="api-dashboard-metrics"),
]
