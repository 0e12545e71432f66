"""Input and output shapes of the personal-data endpoints (also the OpenAPI schema)."""

from __future__ import annotations

from rest_framework import serializers


class EraseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=500,
        help_text="Why (kept in the audit log), e.g. the request's reference.",
    )


class EraseOutputSerializer(serializers.Serializer):
    contact_id = serializers.IntegerField()
    erased_at = serializers.DateTimeField()
    conversations = serializers.IntegerField(help_text="Conversations whose messages were emptied.")
    messages = serializers.IntegerField(help_text="Messages whose text, payload and wamid were removed.")
    requests = serializers.IntegerField(help_text="Requests (bookings, orders, call backs) whose details were removed.")
    media_files = serializers.IntegerField(help_text="Media files deleted from storage.")
    webhook_events = serializers.IntegerField(help_text="Meta's raw deliveries the customer was taken out of.")
    webhook_deliveries = serializers.IntegerField(help_text="Outgoing webhook bodies redacted.")
    audit_entries = serializers.IntegerField(help_text="Audit entries that no longer name the customer.")
