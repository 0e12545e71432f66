"""Back office for clients, their people, their numbers, their API keys and people's API tokens."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from knox.models import AuthToken

from audit.admin import AuditedChangesAdmin
from tenants import services
from tenants.models import AccountAlert, ApiKey, Client, Membership, WhatsAppNumber


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


class WhatsAppNumberInline(admin.TabularInline):
    model = WhatsAppNumber
    extra = 0
    fields = ["phone_number", "connection_type", "status", "phone_number_id", "display_name", "monthly_free_messages"]
    readonly_fields = ["phone_number_id"]
    show_change_link = True


class ApiKeyInline(admin.TabularInline):
    model = ApiKey
    extra = 0
    fields = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # keys are created through the API or the portal, which show the secret once


@admin.register(Client)
class ClientAdmin(AuditedChangesAdmin):
    list_display = ["business_name", "name", "email", "status", "quota_policy", "active_numbers", "created_at"]
    list_filter = ["status", "quota_policy", "created_at"]
    search_fields = ["business_name", "name", "email", "numbers__phone_number"]
    readonly_fields = ["public_id", "created_at", "updated_at", "setup_code_expires_at"]
    inlines = [WhatsAppNumberInline, MembershipInline, ApiKeyInline]
    actions = ["suspend_clients", "resume_clients"]
    fieldsets = [
        (None, {"fields": ["business_name", "name", "email", "status"]}),
        (_("Usage"), {"fields": ["monthly_free_messages", "quota_policy", "message_retention_days"]}),
        (
            _("AI model and budget"),
            {"fields": ["ai_model", "ai_monthly_tokens", "ai_monthly_cost_usd", "ai_budget_policy"]},
        ),
        (_("Onboarding"), {"fields": ["setup_code_expires_at"]}),
        (_("Notes"), {"fields": ["notes", "public_id", "created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_active_numbers=Count("numbers", filter=Q(numbers__status=WhatsAppNumber.Status.ACTIVE)))
        )

    def audit_client(self, obj: Client) -> Client:
        return obj

    @admin.display(description=_("active numbers"), ordering="_active_numbers")
    def active_numbers(self, obj: Client) -> int:
        return obj._active_numbers

    @admin.action(description=_("Suspend selected clients (the AI and all sends stop)"))
    def suspend_clients(self, request, queryset):
        count = services.clients_set_status(clients=queryset, status=Client.Status.SUSPENDED)
        self.message_user(request, ngettext("%d client suspended.", "%d clients suspended.", count) % count)

    @admin.action(description=_("Resume selected clients"))
    def resume_clients(self, request, queryset):
        count = services.clients_set_status(clients=queryset, status=Client.Status.ACTIVE)
        self.message_user(request, ngettext("%d client resumed.", "%d clients resumed.", count) % count)


@admin.register(WhatsAppNumber)
class WhatsAppNumberAdmin(AuditedChangesAdmin):
    list_display = [
        "phone_number",
        "client",
        "connection_type",
        "status",
        "quality_rating",
        "name_status",
        "monthly_allowance",
        "activated_at",
    ]
    list_filter = ["status", "connection_type", "quality_rating"]
    search_fields = ["phone_number", "phone_number_id", "display_name", "client__business_name"]
    list_select_related = ["client"]
    autocomplete_fields = ["client"]
    readonly_fields = [
        "phone_number_id",
        "waba_id",
        "quality_rating",
        "name_status",
        "messaging_limit",
        "verification_attempts",
        "code_requested_at",
        "activated_at",
        "health_checked_at",
        "created_at",
        "updated_at",
    ]
    actions = ["suspend_numbers", "resume_numbers"]

    @admin.action(description=_("Suspend selected numbers (no AI replies, no sends)"))
    def suspend_numbers(self, request, queryset):
        count = services.numbers_suspend(numbers=queryset)
        self.message_user(request, ngettext("%d number suspended.", "%d numbers suspended.", count) % count)

    @admin.action(description=_("Resume selected suspended numbers"))
    def resume_numbers(self, request, queryset):
        count = services.numbers_resume(numbers=queryset)
        if count < queryset.count():
            self.message_user(
                request, _("Only suspended numbers with a Meta id can be resumed."), level=messages.WARNING
            )
        self.message_user(request, ngettext("%d number resumed.", "%d numbers resumed.", count) % count)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "client", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__username", "client__business_name"]
    autocomplete_fields = ["user", "client"]


@admin.register(AccountAlert)
class AccountAlertAdmin(admin.ModelAdmin):
    """What Meta said about accounts and numbers (written by the webhook only: read-only here)."""

    list_display = ["alert_type", "severity", "active", "client", "number", "waba_id", "received_at"]
    list_filter = ["active", "severity", "alert_type"]
    search_fields = ["waba_id", "entity_id", "client__business_name", "number__phone_number"]
    list_select_related = ["client", "number"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# knox's own admin lists each token's digest and shows a new token in full; ours shows a prefix only.
if admin.site.is_registered(AuthToken):
    admin.site.unregister(AuthToken)


@admin.register(AuthToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """People's API tokens: who, since when, until when. Deleting one revokes it; none is created here."""

    list_display = ["token_prefix", "user", "created", "expiry"]
    fields = ["token_prefix", "user", "created", "expiry"]
    readonly_fields = fields
    search_fields = ["user__email", "user__username"]
    list_select_related = ["user"]
    ordering = ["-created"]

    @admin.display(description=_("token"))
    def token_prefix(self, obj: AuthToken) -> str:
        return f"{obj.token_key[:8]}…"

    def has_add_permission(self, request) -> bool:
        return False  # tokens come from POST /api/auth/token, which shows the value once

    def has_change_permission(self, request, obj=None) -> bool:
        return False
