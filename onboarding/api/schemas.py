"""OpenAPI shapes of the onboarding API's answers (drf-spectacular), for /api/schema/ and /api/docs/."""

from __future__ import annotations

from drf_spectacular.utils import inline_serializer
from rest_framework import serializers

ERROR_SCHEMA = inline_serializer(
    "OnboardingError",
    {
        "error": inline_serializer(
            "OnboardingErrorBody",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.JSONField(required=False),
            },
        )
    },
)
CODE_SENT_SCHEMA = inline_serializer(
    "CodeSent",
    {
        "number_id": serializers.IntegerField(),
        "status": serializers.CharField(),
        "next_step": serializers.CharField(),
        "phone_number": serializers.CharField(),
        "phone_number_id": serializers.CharField(),
    },
)
ACTIVE_SCHEMA = inline_serializer(
    "NumberActive",
    {
        "status": serializers.CharField(),
        "phone_number": serializers.CharField(),
        "phone_number_id": serializers.CharField(),
        "free_messages_remaining": serializers.IntegerField(),
    },
)
CHOOSE_NUMBER_SCHEMA = inline_serializer(
    "ChooseNumber",
    {
        "status": serializers.CharField(help_text="choose_number"),
        "next_step": serializers.CharField(help_text="choose_number"),
        "waba_id": serializers.CharField(),
        "phone_numbers": inline_serializer(
            "WabaPhoneNumber",
            {
                "phone_number_id": serializers.CharField(),
                "display_phone_number": serializers.CharField(),
                "verified_name": serializers.CharField(),
            },
            many=True,
        ),
    },
)
REGISTERED_SCHEMA = inline_serializer(
    "ClientRegistered",
    {
        "client_id": serializers.IntegerField(),
        "setup_code": serializers.CharField(),
        "qr_code": serializers.CharField(help_text="data:image/svg+xml;base64,… of onboarding_url"),
        "qr_code_png_url": serializers.URLField(),
        "onboarding_url": serializers.URLField(),
        "setup_code_expires_at": serializers.DateTimeField(),
        "next_step": serializers.CharField(),
    },
)


def responses(ok_status: int, ok_schema) -> dict:
    return {ok_status: ok_schema, **{status: ERROR_SCHEMA for status in (400, 404, 409, 410, 429, 502, 503)}}
