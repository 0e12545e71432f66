"""Input and output shapes of the assistant's `/api/v1` endpoints."""

from __future__ import annotations

from zoneinfo import available_timezones

from rest_framework import serializers

from ai.knowledge_csv import NOTE_LIMIT, answer_limit
from ai.models import KnowledgeEntry, Persona
from ai.services import PERSONA_FIELDS, PERSONA_TEXT_FIELDS, PERSONA_TEXT_LIMIT
from ai.text import WHATSAPP_TEXT_LIMIT


class PersonaSerializer(serializers.ModelSerializer):
    timezone = serializers.CharField(max_length=64, required=False)

    class Meta:
        model = Persona
        fields = [*PERSONA_FIELDS, "updated_at"]
        read_only_fields = ["updated_at"]
        # Long texts go into every model prompt: keep each one to a page.
        extra_kwargs = {name: {"max_length": PERSONA_TEXT_LIMIT} for name in PERSONA_TEXT_FIELDS}

    def validate_timezone(self, value: str) -> str:
        if value not in available_timezones():
            raise serializers.ValidationError("Unknown time zone; use an IANA name such as America/Bogota.")
        return value


class KnowledgeEntrySerializer(serializers.ModelSerializer):
    """A FAQ entry (`question` and `answer`) or a free-text note (`answer` only)."""

    question = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    answer = serializers.CharField(max_length=NOTE_LIMIT, trim_whitespace=True)

    class Meta:
        model = KnowledgeEntry
        fields = ["id", "question", "answer", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs):
        question = attrs.get("question", getattr(self.instance, "question", ""))
        answer = attrs.get("answer", getattr(self.instance, "answer", ""))
        limit = answer_limit(question)
        if len(answer) > limit:
            # A FAQ answer is sent as one WhatsApp message; a note (no question) is only searched.
            raise serializers.ValidationError({"answer": [f"Ensure this field has no more than {limit} characters."]})
        return attrs


class PreviewInputSerializer(serializers.Serializer):
    message = serializers.CharField(max_length=WHATSAPP_TEXT_LIMIT, trim_whitespace=True)


class PreviewOutputSerializer(serializers.Serializer):
    reply = serializers.CharField()
    handoff = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    provider = serializers.CharField()
    knowledge_entry_id = serializers.IntegerField(allow_null=True)
