"""Back-office views of the sandbox's state (dev and demo only; the app is only useful with WHATSAPP_SANDBOX)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from sandbox import alerts
from sandbox.models import (
    SandboxAuthCode,
    SandboxBusinessAccount,
    SandboxConversation,
    SandboxFault,
    SandboxMedia,
    SandboxMessage,
    SandboxPhoneNumber,
    SandboxTemplate,
)


class NumberInline(admin.TabularInline):
    model = SandboxPhoneNumber
    fields = ("phone_number_id", "display_phone_number", "verified_name", "code_verification_status", "registered")
    readonly_fields = fields
    extra = 0
    can_delete = False


def _raise(modeladmin, request, rows, *, alert_type: str, numbers: bool) -> None:
    """Post Meta's `account_alerts` webhook for each selected account or number (docs/sandbox.md)."""
    statuses = [
        alerts.raise_alert(
            account=row.account if numbers else row, number=row if numbers else None, alert_type=alert_type
        )
        for row in rows
    ]
    delivered = sum(1 for status in statuses if status is not None and 200 <= status < 300)
    level = messages.SUCCESS if delivered == len(statuses) else messages.WARNING
    modeladmin.message_user(
        request,
        _("%(alert)s: %(ok)d of %(all)d webhooks delivered.")
        % {"alert": alert_type, "ok": delivered, "all": len(statuses)},
        level,
    )


@admin.action(description=_("Meta alert: messaging-limit increase deferred"))
def alert_limit_deferred(modeladmin, request, queryset) -> None:
    _raise(modeladmin, request, queryset, alert_type="INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED", numbers=False)


@admin.action(description=_("Meta alert: profile photo lost"))
def alert_profile_picture_lost(modeladmin, request, queryset) -> None:
    _raise(modeladmin, request, queryset.select_related("account"), alert_type="PROFILE_PICTURE_LOST", numbers=True)


@admin.action(description=_("Meta alert: official business badge approved"))
def alert_oba_approved(modeladmin, request, queryset) -> None:
    _raise(modeladmin, request, queryset.select_related("account"), alert_type="OBA_APPROVED", numbers=True)


@admin.register(SandboxBusinessAccount)
class SandboxBusinessAccountAdmin(admin.ModelAdmin):
    list_display = ("waba_id", "name", "is_operator", "business_verified", "created_at")
    list_filter = ("is_operator", "business_verified")
    search_fields = ("waba_id", "name")
    exclude = ("access_token",)  # a bearer token; not shown in lists or forms
    inlines = [NumberInline]
    actions = [alert_limit_deferred]


@admin.register(SandboxPhoneNumber)
class SandboxPhoneNumberAdmin(admin.ModelAdmin):
    list_display = ("display_phone_number", "phone_number_id", "verified_name", "registered")
    list_filter = ("registered", "code_verification_status", "quality_rating")
    search_fields = ("display_phone_number", "phone_number_id", "verified_name")
    exclude = ("pin",)
    actions = [alert_profile_picture_lost, alert_oba_approved]


@admin.register(SandboxMessage)
class SandboxMessageAdmin(admin.ModelAdmin):
    list_display = ("created_at", "direction", "phone_number_id", "wa_id", "type", "text", "status")
    list_filter = ("direction", "type", "status")
    search_fields = ("wamid", "wa_id", "phone_number_id", "text")


@admin.register(SandboxFault)
class SandboxFaultAdmin(admin.ModelAdmin):
    list_display = ("created_at", "phone_number_id", "remaining", "error_code", "http_status", "delay_ms")


@admin.register(SandboxTemplate)
class SandboxTemplateAdmin(admin.ModelAdmin):
    list_display = ("name", "language", "category", "status", "account")
    list_filter = ("status", "category")
    search_fields = ("name",)


@admin.register(SandboxMedia)
class SandboxMediaAdmin(admin.ModelAdmin):
    list_display = ("media_id", "mime_type", "phone_number_id", "created_at")
    exclude = ("content",)


admin.site.register(SandboxConversation)
admin.site.register(SandboxAuthCode, list_display=("account", "created_at", "used_at"), exclude=("code",))
