"""The operator sees every client's webhook endpoints and deliveries; secrets are never shown here."""

from django.contrib import admin

from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "client", "is_enabled", "disabled_reason", "created_at")
    list_filter = ("is_enabled",)
    search_fields = ("url", "client__business_name")
    exclude = ("secret",)
    readonly_fields = ("client", "url", "events", "disabled_reason", "disabled_at", "failing_since", "created_at")

    def has_add_permission(self, request) -> bool:
        return False  # created by the client (portal or API), where the secret is shown once

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ("number", "started_at", "outcome", "response_code", "latency_ms", "error")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ("event_type", "client", "endpoint", "status", "attempts", "last_response_code", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "endpoint__url", "client__business_name")
    inlines = [WebhookAttemptInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
