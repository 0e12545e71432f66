"""Back-office editing of personas and knowledge, and a read-only view of AI reply logs."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from ai.models import AiReplyLog, KnowledgeEntry, Persona


@admin.register(Persona)
class PersonaAdmin(admin.ModelAdmin):
    list_display = ["client", "enabled", "language", "timezone", "max_reply_chars", "updated_at"]
    list_filter = ["enabled", "language"]
    search_fields = ["client__business_name", "business_description"]
    autocomplete_fields = ["client"]
    fieldsets = [
        (None, {"fields": ["client", "enabled", "assistant_name"]}),
        (
            _("Business"),
            {"fields": ["business_description", "business_hours", "timezone", "booking_instructions", "address"]},
        ),
        (
            _("Voice"),
            {"fields": ["tone", "language", "greeting", "click_to_chat_text", "max_reply_chars", "never_say"]},
        ),
        (
            _("Goal and handoff"),
            {"fields": ["conversion_goal", "conversion_keywords", "handoff_keywords", "handoff_message"]},
        ),
    ]


@admin.register(KnowledgeEntry)
class KnowledgeEntryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "client", "updated_at"]
    list_filter = ["client"]
    search_fields = ["question", "answer", "client__business_name"]
    autocomplete_fields = ["client"]


@admin.register(AiReplyLog)
class AiReplyLogAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "client",
        "source",
        "provider",
        "model",
        "latency_ms",
        "prompt_tokens",
        "completion_tokens",
        "estimated_cost",
        "fallback_used",
        "handoff",
    ]
    list_filter = ["source", "provider", "fallback_used", "handoff"]
    search_fields = ["client__business_name", "model", "error"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
