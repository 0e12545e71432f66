from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from core.metrics import metrics_view
from crm.health import healthz
from whatsapp.views import whatsapp_webhook

admin.site.site_header = "CRM Master"
admin.site.site_title = "CRM Master"
admin.site.index_title = _("Back office")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("webhook/whatsapp", whatsapp_webhook, name="whatsapp-webhook"),
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; a bearer token (METRICS_TOKEN) or 404
    # Browsers ask for /favicon.ico on pages that name none (the admin, plain responses).
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the ES | EN switch on every page
    path("api/", include("tenants.api.urls")),
    path("api/", include("onboarding.api.urls")),
    path("", include("onboarding.urls")),  # signup and onboarding pages
    path("api/", include("billing.api.urls")),
    path("api/", include("portal.api.urls")),
    path("billing/", include("billing.urls")),
    path("api/v1/", include("ai.api.urls")),
    path("api/v1/", include("whatsapp.api.urls")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/v1/", include("privacy.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file (?script), so no inline script is needed (CSP).
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
]

if settings.WHATSAPP_SANDBOX:
    urlpatterns.append(path("sandbox/", include("sandbox.urls")))

# Portal (/app/), operator dashboard (/dashboard/) and /accounts/ login: last, so they never shadow a route.
urlpatterns.append(path("", include("portal.urls")))
