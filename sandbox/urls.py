from django.urls import path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("graph/<str:version>/<str:phone_number_id>/messages", views.graph_messages, name="graph-messages"),
    path("api/inbound", views.api_inbound, name="api-inbound"),
    path("api/messages", views.api_messages, name="api-messages"),
    path("api/faults", views.api_faults, name="api-faults"),
]
