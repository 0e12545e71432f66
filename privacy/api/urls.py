"""`/api/v1` personal-data routes (mounted by crm/urls.py under `api/v1/`)."""

from django.urls import path

from privacy.api import views

urlpatterns = [
    path("contacts/<int:contact_id>", views.ContactApi.as_view(), name="api-v1-contact"),
    path("contacts/<int:contact_id>/export", views.ContactExportApi.as_view(), name="api-v1-contact-export"),
    path("contacts/<int:contact_id>/erase", views.ContactEraseApi.as_view(), name="api-v1-contact-erase"),
]
