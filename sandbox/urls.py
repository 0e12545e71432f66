from django.urls import path

from sandbox.views import api, graph, pages

app_name = "sandbox"

urlpatterns = [
    path("", pages.phone, name="phone"),
    path("embedded-signup/", pages.embedded_signup, name="embedded-signup"),
    # Meta's Graph API
    path("graph/<str:version>/oauth/access_token", graph.oauth_access_token, name="graph-oauth"),
    path("graph/<str:version>/debug_token", graph.debug_token, name="graph-debug-token"),
    path("graph/<str:version>/<str:node>", graph.graph_node, name="graph-node"),
    path("graph/<str:version>/<str:node>/<str:edge>", graph.graph_edge, name="graph-edge"),
    path("media/<str:media_id>", graph.media_download, name="media-download"),
    # The sandbox's helper API
    path("api/inbound", api.api_inbound, name="api-inbound"),
    path("api/messages", api.api_messages, name="api-messages"),
    path("api/faults", api.api_faults, name="api-faults"),
    path("api/otp", api.api_otp, name="api-otp"),
    path("api/embedded-signup", api.api_embedded_signup, name="api-embedded-signup"),
    path("api/account-alerts", api.api_account_alerts, name="api-account-alerts"),
    path("api/templates/status", api.api_template_status, name="api-template-status"),
    path("api/numbers", api.api_numbers, name="api-numbers"),
    path("api/chat", api.api_chat, name="api-chat"),
]
