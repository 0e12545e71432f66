"""Shapes of the `/api/v1/webhooks` endpoints (core.schema names the nested Input/Output classes)."""

from __future__ import annotations

from rest_framework import serializers

from integrations.events import EVENT_CHOICES, EVENTS


class EndpointInputSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, help_text="A public http(s) URL; private addresses are refused.")
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[name for name, _label in EVENT_CHOICES]),
        allow_empty=False,
        help_text=f"Any of: {', '.join(sorted(EVENTS))}.",
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    is_enabled = serializers.BooleanField(required=False, default=True)


class EndpointPatchSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=[name for name, _label in EVENT_CHOICES]),
        allow_empty=False,
        required=False,
    )
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    is_enabled = serializers.BooleanField(required=False, help_text="Enabling again clears the failure streak.")


class EndpointOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    is_enabled = serializers.BooleanField()
    disabled_reason = serializers.CharField()
    disabled_at = serializers.DateTimeField(allow_null=True)
    secret_hint = serializers.CharField(help_text="The secret's first characters, to tell secrets apart.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class EndpointWithSecretSerializer(EndpointOutputSerializer):
    secret = serializers.CharField(help_text="The signing secret, shown only in this answer: store it now.")


class SecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret, shown only in this answer.")


class AttemptSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    outcome = serializers.CharField()
    response_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    endpoint = serializers.IntegerField(source="endpoint_id")
    event_id = serializers.UUIDField()
    event_type = serializers.CharField()
    status = serializers.CharField(help_text="pending, delivering, retrying, succeeded or failed.")
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_response_code = serializers.IntegerField(allow_null=True)
    last_latency_ms = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    redelivery_of = serializers.IntegerField(source="redelivery_of_id", allow_null=True)
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class DeliveryDetailSerializer(DeliveryOutputSerializer):
    body = serializers.CharField(help_text="The JSON body exactly as signed and sent.")
    attempt_list = AttemptSerializer(many=True, source="attempt_rows.all")


class DeliveryFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["pending", "delivering", "retrying", "succeeded", "failed"], required=False, allow_blank=True
    )
