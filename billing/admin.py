"""Back office for usage: periods (read-only counters), alerts, the price table and the markup."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from billing import services
from billing.alerts import raise_due_alerts
from billing.models import BillingSettings, PriceRule, UsageAlert, UsagePeriod

COUNTERS = [
    "allowance",
    "service_messages",
    "ai_replies",
    "agent_replies",
    "template_messages",
    "template_marketing",
    "template_utility",
    "template_authentication",
    "template_uncategorized",
    "inbound_messages",
]


@admin.register(UsagePeriod)
class UsagePeriodAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "client",
        "month",
        "allowance",
        "service_messages",
        "free_remaining",
        "overage_display",
        "ai_replies",
        "agent_replies",
        "template_messages",
        "inbound_messages",
    ]
    list_filter = ["month", "client__quota_policy", "client"]
    search_fields = ["number__phone_number", "client__business_name"]
    date_hierarchy = "month"
    list_select_related = ["number", "client"]
    # Counters move only through billing.services (atomic F() updates); nobody edits them by hand.
    readonly_fields = ["client", "number", "month", *COUNTERS, "opened_at", "updated_at"]
    actions = ["refresh_allowance", "raise_missing_alerts"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("free left"))
    def free_remaining(self, obj: UsagePeriod) -> int:
        return obj.free_messages_remaining

    @admin.display(description=_("overage"))
    def overage_display(self, obj: UsagePeriod) -> int:
        return obj.overage

    @admin.action(description=_("Take the allowance from the number's current settings (this month)"))
    def refresh_allowance(self, request, queryset) -> None:
        changed = 0
        for period in queryset.filter(month=services.month_start()).select_related("number__client"):
            services.usage_period_for(number=period.number)
            changed += 1
        self.message_user(request, _("%(n)s period(s) refreshed.") % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Raise any alert these periods have earned"))
    def raise_missing_alerts(self, request, queryset) -> None:
        raised = sum(len(raise_due_alerts(period=p)) for p in queryset.select_related("client"))
        self.message_user(request, _("%(n)s alert(s) raised.") % {"n": raised}, messages.SUCCESS)


@admin.register(UsageAlert)
class UsageAlertAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "client",
        "month",
        "threshold",
        "service_messages",
        "allowance",
        "policy",
        "created_at",
        "emailed_at",
        "acknowledged_at",
    ]
    list_filter = ["threshold", "policy", "month", ("acknowledged_at", admin.EmptyFieldListFilter)]
    search_fields = ["number__phone_number", "client__business_name"]
    list_select_related = ["number", "client"]
    readonly_fields = [
        "client",
        "number",
        "month",
        "threshold",
        "service_messages",
        "allowance",
        "policy",
        "created_at",
        "emailed_at",
    ]
    actions = ["acknowledge"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Mark as acknowledged"))
    def acknowledge(self, request, queryset) -> None:
        queryset.filter(acknowledged_at__isnull=True).update(acknowledged_at=timezone.now())


@admin.register(PriceRule)
class PriceRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "country_code", "price_usd", "effective_from", "effective_to", "notes"]
    list_filter = ["category", "country_code"]
    list_editable = ["price_usd", "effective_to"]
    search_fields = ["country_code", "notes"]


@admin.register(BillingSettings)
class BillingSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "updated_at", "cost_page"]

    def has_add_permission(self, request) -> bool:
        return not BillingSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("cost view"))
    def cost_page(self, obj: BillingSettings) -> str:
        return format_html('<a href="{}">{}</a>', reverse("billing:costs"), _("Meta costs per client"))
