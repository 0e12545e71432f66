"""Who is calling: token login, mounted by crm/urls.py under `api/`."""

from django.urls import path

from tenants.api import views

urlpatterns = [
    path("auth/token", views.AuthTokenApi.as_view(), name="api-auth-token"),
]
