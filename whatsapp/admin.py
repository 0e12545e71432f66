"""Back office for conversations, messages and the raw webhook log."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from whatsapp.models import Contact, Conversation, CustomerRequest, Message, MessageTemplate, WebhookEvent
from whatsapp.services.ownership import hand_back, take_over
from whatsapp.services.webhooks import webhook_events_replay


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "wa_id", "client", "created_at"]
    search_fields = ["wa_id", "user_id", "profile_name", "client__business_name"]
    list_filter = ["client"]
    list_select_related = ["client"]
    readonly_fields = ["created_at", "updated_at"]


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ["created_at", "direction", "sent_by", "kind", "text", "status", "error_code"]
    readonly_fields = fields
    can_delete = False
    ordering = ["-created_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ["contact", "number", "client", "owner", "needs_attention", "last_inbound_at", "last_message_at"]
    list_filter = ["owner", "needs_attention", "client"]
    search_fields = ["contact__wa_id", "contact__profile_name", "number__phone_number", "client__business_name"]
    list_select_related = ["contact", "number", "client"]
    readonly_fields = ["client", "number", "contact", "last_inbound_at", "last_message_at", "created_at"]
    inlines = [MessageInline]
    actions = ["give_to_ai", "give_to_human"]

    @admin.action(description=_("Hand selected conversations back to the AI"))
    def give_to_ai(self, request, queryset):
        for conversation in queryset:
            hand_back(conversation=conversation)
        count = len(queryset)
        self.message_user(
            request, ngettext("%d conversation handed back.", "%d conversations handed back.", count) % count
        )

    @admin.action(description=_("Take selected conversations over (a person answers)"))
    def give_to_human(self, request, queryset):
        for conversation in queryset:
            take_over(conversation=conversation, user=request.user)
        count = len(queryset)
        self.message_user(
            request, ngettext("%d conversation taken over.", "%d conversations taken over.", count) % count
        )


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "client", "direction", "sent_by", "kind", "short_text", "status", "error_code"]
    list_filter = ["direction", "status", "sent_by", "kind", "pricing_category", "client"]
    search_fields = ["wamid", "text", "conversation__contact__wa_id", "error_code"]
    list_select_related = ["client"]
    date_hierarchy = "created_at"
    readonly_fields = [f.name for f in Message._meta.fields]

    @admin.display(description=_("text"))
    def short_text(self, obj: Message) -> str:
        return obj.text[:80]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "received_at", "outcome", "fields", "phone_number_ids", "processed_at"]
    list_filter = ["outcome", "received_at"]
    search_fields = ["body", "detail"]
    date_hierarchy = "received_at"
    readonly_fields = [
        "body",
        "payload",
        "received_at",
        "processed_at",
        "outcome",
        "detail",
        "phone_number_ids",
        "fields",
    ]
    actions = ["reprocess"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description=_("Process selected events again (safe: duplicates are ignored)"))
    def reprocess(self, request, queryset):
        count = webhook_events_replay(events=queryset)
        self.message_user(request, ngettext("%d event reprocessed.", "%d events reprocessed.", count) % count)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    """Templates as Meta last reported them (sync and webhooks). In the operator's shared WABA the operator gives
    each one to a client here: hosted clients see and send only their own."""

    list_display = [
        "name",
        "language",
        "waba_id",
        "client",
        "category_shown",
        "status_shown",
        "quality_shown",
        "updated_at",
    ]
    list_filter = ["status", "category", "waba_id"]
    search_fields = ["name", "waba_id", "client__business_name"]
    list_select_related = ["client"]
    fields = [
        "client",
        "waba_id",
        "name",
        "language",
        "template_id",
        "category",
        "status",
        "quality_score",
        "reason",
        "components",
        "synced_at",
        "updated_at",
    ]
    readonly_fields = [f for f in fields if f != "client"]

    # Meta's words (MARKETING, PAUSED, YELLOW…) in the operator's language; the rows keep Meta's.
    @admin.display(description=_("category"), ordering="category")
    def category_shown(self, template: MessageTemplate) -> str:
        return template.category_label

    @admin.display(description=_("status"), ordering="status")
    def status_shown(self, template: MessageTemplate) -> str:
        return template.status_label

    @admin.display(description=_("quality"), ordering="quality_score")
    def quality_shown(self, template: MessageTemplate) -> str:
        return template.quality_label

    def has_add_permission(self, request) -> bool:
        return False  # rows come from Meta


@admin.register(CustomerRequest)
class CustomerRequestAdmin(admin.ModelAdmin):
    """Read only: statuses change in the portal or the API, through the service that audits them."""

    list_display = ("id", "client", "kind", "status", "contact", "provider", "created_at")
    list_filter = ("status", "kind", "provider")
    search_fields = ("contact__profile_name", "contact__wa_id", "client__business_name")
    list_select_related = ("client", "contact")
    raw_id_fields = ("contact", "conversation", "source_message")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
