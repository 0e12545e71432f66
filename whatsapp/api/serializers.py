"""Input and output shapes of the `/api/v1` messaging endpoints (also the OpenAPI schema)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.selectors import free_messages_remaining
from core import schema
from whatsapp.models import Conversation, Message
from whatsapp.templates import TemplateInputError, TemplateMessage

MAX_TEXT = 4096
PREVIEW_LENGTH = 120


# --- input ------------------------------------------------------------------------------------
class TemplateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=512, help_text="Approved template name, e.g. `order_update`.")
    language = serializers.CharField(max_length=15, help_text="Template language code, e.g. `es` or `en_US`.")
    parameters = serializers.JSONField(
        required=False,
        default=list,
        help_text="Body parameters: a list of strings (positional {{1}}, {{2}}…) or an object of named "
        'parameters ({"first_name": "Ana"}).',
    )

    def to_internal_value(self, data: Any) -> TemplateMessage:
        try:
            return TemplateMessage.from_input(data)
        except TemplateInputError as error:
            raise serializers.ValidationError({error.field: [error.message]}) from error


class SendMessageInputSerializer(serializers.Serializer):
    """Exactly one of `text` (free-form, needs the 24-hour window) or `template` (always allowed)."""

    text = serializers.CharField(max_length=MAX_TEXT, required=False, allow_null=True, trim_whitespace=False)
    template = TemplateInputSerializer(required=False, allow_null=True)

    def validate_text(self, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise serializers.ValidationError("This field may not be blank.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = {name: value for name, value in attrs.items() if value is not None}
        if ("text" in attrs) == ("template" in attrs):
            raise serializers.ValidationError({"non_field_errors": ["Send either `text` or `template`."]})
        return attrs


class StartMessageInputSerializer(SendMessageInputSerializer):
    phone_number_id = serializers.CharField(max_length=64, help_text="The sending number's Meta phone number id.")
    to = serializers.CharField(
        max_length=128,
        help_text="Recipient phone, E.164 (`+57…`; national numbers are CO), or a BSUID such as `CO.1349…`.",
    )


class ConversationFilterSerializer(serializers.Serializer):
    number = serializers.CharField(
        required=False,
        max_length=64,
        help_text="One of your numbers: its `id`, its `phone_number_id` or its phone number (E.164).",
    )
    owner = serializers.ChoiceField(choices=Conversation.Owner.choices, required=False)
    needs_attention = serializers.BooleanField(required=False, allow_null=True, default=None)
    converted = serializers.BooleanField(required=False, allow_null=True, default=None)


class ContactFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="Name or part of the phone.")


# --- output -----------------------------------------------------------------------------------
class NumberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone_number = serializers.CharField()
    phone_number_id = serializers.CharField(allow_null=True)
    display_name = serializers.CharField()
    connection_type = serializers.CharField()
    status = serializers.CharField()
    quality_rating = serializers.CharField()
    messaging_limit = serializers.CharField()
    monthly_allowance = serializers.IntegerField()
    free_messages_remaining = serializers.SerializerMethodField()
    activated_at = serializers.DateTimeField(allow_null=True)

    def get_free_messages_remaining(self, number) -> int:
        return free_messages_remaining(number=number)


class ContactOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    wa_id = serializers.CharField()
    user_id = serializers.CharField()
    parent_user_id = serializers.CharField()
    username = serializers.CharField()
    phone_number = serializers.CharField()
    handle = serializers.CharField(help_text="The phone, else @username, else the BSUID.")
    profile_name = serializers.CharField()
    marketing_opted_out_at = serializers.DateTimeField(
        allow_null=True, help_text="The customer stopped marketing messages (Meta refuses them with 131050)."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ConversationNumberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    phone_number = serializers.CharField()
    phone_number_id = serializers.CharField(allow_null=True)
    display_name = serializers.CharField()


class MessagePreviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    direction = serializers.CharField()
    kind = serializers.CharField()
    text = serializers.SerializerMethodField()
    status = serializers.CharField()
    sent_by = serializers.CharField()
    created_at = serializers.DateTimeField()

    def get_text(self, message: Message) -> str:
        text = message.text or f"[{message.kind}]"
        return text if len(text) <= PREVIEW_LENGTH else text[: PREVIEW_LENGTH - 1] + "…"


class ConversationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    contact = ContactOutputSerializer()
    number = ConversationNumberSerializer()
    owner = serializers.CharField()
    needs_attention = serializers.BooleanField()
    handoff_reason = serializers.CharField()
    window_open = serializers.SerializerMethodField()
    last_inbound_at = serializers.DateTimeField(allow_null=True)
    last_message_at = serializers.DateTimeField(allow_null=True)
    converted = serializers.SerializerMethodField()
    converted_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_message = MessagePreviewSerializer(
        allow_null=True, help_text="The latest message (set by selectors.attach_last_messages)."
    )

    def get_window_open(self, conversation: Conversation) -> bool:
        return conversation.window_open()

    def get_converted(self, conversation: Conversation) -> bool:
        return conversation.converted_at is not None


class MessageErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    title = serializers.CharField()
    details = serializers.CharField()


class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    uuid = serializers.UUIDField()
    conversation = serializers.IntegerField(source="conversation_id")
    direction = serializers.CharField()
    kind = serializers.CharField()
    text = serializers.CharField()
    payload = serializers.JSONField(help_text="Meta's object: the inbound message, or the template sent.")
    status = serializers.CharField()
    sent_by = serializers.CharField()
    sent_by_user = serializers.SerializerMethodField()
    wamid = serializers.CharField(allow_null=True)
    error = serializers.SerializerMethodField()
    pricing_category = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    read_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    edited_at = serializers.DateTimeField(
        allow_null=True, help_text="The customer edited it; `text` is the latest version."
    )
    deleted_at = serializers.DateTimeField(allow_null=True, help_text="The customer deleted it (WhatsApp's revoke).")

    def get_sent_by_user(self, message: Message) -> str | None:
        user = message.sent_by_user
        return (user.get_full_name() or user.get_username()) if user else None

    @extend_schema_field(MessageErrorSerializer(allow_null=True))
    def get_error(self, message: Message) -> dict | None:
        if not message.error_code and not message.error_title:
            return None
        return {"code": message.error_code, "title": message.error_title, "details": message.error_details}


# The error shape of the whole API lives in core.schema; re-exported for the views that name it here.
ErrorBodySerializer = schema.ErrorBodySerializer
ErrorSerializer = schema.ErrorSerializer
