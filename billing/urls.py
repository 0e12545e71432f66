"""Operator pages under /billing/ (mounted by crm/urls.py)."""

from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("costs/", views.cost_view, name="costs"),
    path("costs/<int:client_id>/<str:month>.csv", views.cost_csv_view, name="costs-csv"),
]
