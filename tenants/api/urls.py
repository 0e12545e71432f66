"""Who is calling: token login and logout, mounted by crm/urls.py under `api/`."""

from django.urls import path

from tenants.api import views

urlpatterns = [
    path("auth/token", views.AuthTokenApi.as_view(), name="api-auth-token"),
    path("auth/logout", views.AuthLogoutApi.as_view(), name="api-auth-logout"),
]
