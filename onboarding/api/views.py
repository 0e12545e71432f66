"""Onboarding API: public signup, the setup-code holder's steps, and the operator's number registration.

Setup-code endpoints authenticate nobody (the code is the credential) and are rate-limited per IP; every
error leaves as `{"error": {"code", "message", "details"?}}` with the codes of `onboarding.meta_errors`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.qr import qr_svg_data_uri
from onboarding import numbers, selectors, services
from onboarding.api.schemas import (
    ACTIVE_SCHEMA,
    CHOOSE_NUMBER_SCHEMA,
    CODE_SENT_SCHEMA,
    ERROR_SCHEMA,
    REGISTERED_SCHEMA,
    responses,
)
from onboarding.links import onboarding_png_url, onboarding_url
from onboarding.meta_errors import onboarding_error
from onboarding.models import PendingWabaConnection
from onboarding.throttles import SetupCodeThrottle, SignupThrottle
from tenants.models import Client


class SetupCodeApi(APIView):
    """Base of the endpoints a setup-code holder calls; `self.onboarding_client(data)` resolves the code."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SetupCodeThrottle]

    def validated(self, serializer_class, data) -> dict:
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def onboarding_client(self, data: dict) -> Client:
        """The code from the JSON body (design.md's contract) or the `X-Setup-Code` header, never a query string
        (access logs keep those). Retired once the client's number is live: 410 `setup_code_used`."""
        return selectors.client_for_setup_code(setup_code=data.get("setup_code") or self.header_code())

    def header_code(self) -> str:
        return str(self.request.headers.get("X-Setup-Code", "")).strip()


def number_state(number) -> dict | None:
    if number is None:
        return None
    return {
        "number_id": number.pk,
        "phone_number": number.phone_number,
        "phone_number_id": number.phone_number_id,
        "connection_type": number.connection_type,
        "status": number.status,
        "failure_code": number.failure_code or None,
        "reason": number.status_reason or None,
    }


def choose_number_body(pending: PendingWabaConnection) -> dict:
    """The client's WABA is connected; which of its numbers (as Meta listed them at signup) goes live?"""
    return {
        "status": "choose_number",
        "next_step": "choose_number",
        "waba_id": pending.waba_id,
        "phone_numbers": [
            {
                "phone_number_id": row.get("id", ""),
                "display_phone_number": row.get("display_phone_number", ""),
                "verified_name": row.get("verified_name", ""),
            }
            for row in pending.phone_numbers
        ],
    }


def code_sent_response(number) -> Response:
    body = {
        "number_id": number.pk,
        "status": number.status,
        "next_step": "verify_code",
        "phone_number": number.phone_number,
        "phone_number_id": number.phone_number_id,
    }
    return Response(body, status=status.HTTP_202_ACCEPTED)


class RegisterClientApi(APIView):
    """Sign a business up: its client, its owner user and a setup code (link + QR) to onboard a number."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [SignupThrottle]

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=150)
        email = serializers.EmailField(max_length=254)
        business_name = serializers.CharField(max_length=200)
        password = serializers.CharField(max_length=128, required=False, allow_blank=True, trim_whitespace=False)

    @extend_schema(request=InputSerializer, responses=responses(201, REGISTERED_SCHEMA))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The same 201 and fields whether or not the e-mail already has an account (services.signup).
        registration = services.signup(**data.validated_data)
        setup_code = registration.setup_code
        url = onboarding_url(setup_code)
        body = {
            "client_id": registration.client_id,
            "setup_code": setup_code,
            "qr_code": qr_svg_data_uri(url),
            "qr_code_png_url": onboarding_png_url(setup_code),
            "onboarding_url": url,
            "setup_code_expires_at": registration.expires_at,
            "next_step": "add_whatsapp",
        }
        return Response(body, status=status.HTTP_201_CREATED)


class AddWhatsAppInput(serializers.Serializer):
    setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
    phone_number = serializers.CharField(max_length=32)
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AddWhatsAppApi(SetupCodeApi):
    """Hosted mode: add the client's number to the operator's WABA; Meta texts the client a 6-digit code."""

    @extend_schema(request=AddWhatsAppInput, responses=responses(202, CODE_SENT_SCHEMA))
    def post(self, request):
        data = self.validated(AddWhatsAppInput, request.data)
        client = self.onboarding_client(data)
        number = numbers.add_hosted_number(
            client=client, phone_number=data["phone_number"], display_name=data.get("display_name", "")
        )
        return code_sent_response(number)


class ResendCodeApi(SetupCodeApi):
    """A new code by SMS, or by a voice call (`method: "VOICE"`), once the cooldown has passed."""

    class InputSerializer(serializers.Serializer):
        setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
        method = serializers.ChoiceField(choices=["SMS", "VOICE"], default="SMS")

    @extend_schema(request=InputSerializer, responses=responses(202, CODE_SENT_SCHEMA))
    def post(self, request):
        data = self.validated(self.InputSerializer, request.data)
        number = numbers.resend_code(client=self.onboarding_client(data), method=data["method"])
        return code_sent_response(number)


class VerifyWhatsAppApi(SetupCodeApi):
    """Check the code the client received, register the number with its stored PIN, subscribe webhooks."""

    class InputSerializer(serializers.Serializer):
        setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
        code = serializers.CharField(max_length=12)

    @extend_schema(request=InputSerializer, responses=responses(200, ACTIVE_SCHEMA))
    def post(self, request):
        data = self.validated(self.InputSerializer, request.data)
        number = numbers.verify_hosted_number(client=self.onboarding_client(data), code=data["code"])
        return Response(numbers.activation_result(number))


class EmbeddedSignupApi(SetupCodeApi):
    """Embedded Signup finished in the browser: exchange its code, subscribe, register. No code = cancelled."""

    class InputSerializer(serializers.Serializer):
        setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
        code = serializers.CharField(max_length=1024, required=False, allow_blank=True, default="")
        waba_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        phone_number_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses={**responses(200, ACTIVE_SCHEMA), 202: CHOOSE_NUMBER_SCHEMA})
    def post(self, request):
        data = self.validated(self.InputSerializer, request.data)
        client = self.onboarding_client(data)
        result = numbers.complete_embedded_signup(
            client=client, code=data["code"], waba_id=data["waba_id"], phone_number_id=data["phone_number_id"]
        )
        if isinstance(result, PendingWabaConnection):  # a WABA with none or several numbers: the client picks
            return Response(choose_number_body(result), status=status.HTTP_202_ACCEPTED)
        return Response(numbers.activation_result(result))


class EmbeddedNumberApi(SetupCodeApi):
    """The number of the WABA that Embedded Signup connected without one (see `choose_number`): pick one of its
    numbers (`phone_number_id` → 200, live) or add one (`phone_number` → 202 code_sent, then verify-whatsapp)."""

    class InputSerializer(serializers.Serializer):
        setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
        phone_number_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        phone_number = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
        display_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

        def validate(self, attrs):
            if bool(attrs["phone_number_id"]) == bool(attrs["phone_number"]):
                raise serializers.ValidationError("Give phone_number_id (pick a number) or phone_number (add one).")
            return attrs

    @extend_schema(request=InputSerializer, responses={**responses(200, ACTIVE_SCHEMA), 202: CODE_SENT_SCHEMA})
    def post(self, request):
        data = self.validated(self.InputSerializer, request.data)
        client = self.onboarding_client(data)
        if data["phone_number"]:
            number = numbers.add_embedded_number(
                client=client, phone_number=data["phone_number"], display_name=data["display_name"]
            )
            return code_sent_response(number)
        number = numbers.pick_embedded_number(client=client, phone_number_id=data["phone_number_id"])
        return Response(numbers.activation_result(number))


class BusinessProfileApi(SetupCodeApi):
    """Describe the business for the assistant (the persona's first fields)."""

    class InputSerializer(serializers.Serializer):
        setup_code = serializers.CharField(max_length=128, required=False, allow_blank=True)
        business_description = serializers.CharField(max_length=4000)
        # `greeting` is the assistant's welcome (as in /api/v1/persona); sent alone it is placed as before the
        # split (services.save_business_profile). `click_to_chat_text` is the customer's line on the QR code.
        greeting = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
        click_to_chat_text = serializers.CharField(max_length=1000, required=False, allow_blank=True)
        business_hours = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")

    @extend_schema(request=InputSerializer, responses=responses(200, dict))
    def post(self, request):
        data = self.validated(self.InputSerializer, request.data)
        client = self.onboarding_client(data)
        services.save_business_profile(
            client=client,
            business_description=data["business_description"],
            greeting=data["greeting"],
            click_to_chat_text=data.get("click_to_chat_text"),
            business_hours=data["business_hours"],
        )
        return Response({"next_step": selectors.onboarding_step(client=client)})


class OnboardingStatusApi(SetupCodeApi):
    """Where the setup code's client is: the step and its number's state (failed numbers say why)."""

    @extend_schema(responses={200: dict, **{code: ERROR_SCHEMA for code in (404, 410, 429)}})
    def get(self, request):
        # The header is the way to send it; the query parameter is kept for existing callers (docs/onboarding.md).
        code = self.header_code() or str(request.query_params.get("setup_code", ""))
        client = selectors.client_for_setup_code(setup_code=code)
        body = {
            "client_id": client.pk,
            "business_name": client.business_name,
            "next_step": selectors.onboarding_step(client=client),
            "number": number_state(selectors.latest_number(client=client)),
        }
        if body["next_step"] == "choose_number":
            body["waba"] = choose_number_body(selectors.pending_waba_of(client=client))
        return Response(body)


class RegisterClientNumberApi(APIView):
    """The operator (staff token) adds a client's number in hosted mode; the client then types the code."""

    permission_classes = [IsAdminUser]

    class InputSerializer(serializers.Serializer):
        client_id = serializers.IntegerField(min_value=1)
        phone_number = serializers.CharField(max_length=32)
        display_name = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(request=InputSerializer, responses=responses(202, CODE_SENT_SCHEMA))
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        client = Client.objects.filter(pk=data.validated_data["client_id"]).first()
        if client is None:
            raise onboarding_error("client_not_found")
        number = numbers.add_hosted_number(
            client=client,
            phone_number=data.validated_data["phone_number"],
            display_name=data.validated_data.get("display_name", ""),
            by_operator=True,
        )
        return code_sent_response(number)


class HostedCapacityApi(APIView):
    """Operator: hosted numbers used against the portfolio cap."""

    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: dict})
    def get(self, request):
        capacity = selectors.hosted_capacity()
        return Response({"used": capacity.used, "cap": capacity.cap, "available": capacity.available})
