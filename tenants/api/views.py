"""Token login for the REST API: an email and password for `Authorization: Token …`."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.client_ip import ClientIpThrottleMixin
from core.exceptions import ApplicationError


class LoginThrottle(ClientIpThrottleMixin, AnonRateThrottle):
    """Login attempts per caller address (`core.client_ip`: X-Forwarded-For only as far as NUM_PROXIES)."""

    rate = "20/min"


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class AuthTokenApi(APIView):
    """Trade an email and password for an API token (`Authorization: Token …`)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["email"], password=data.validated_data["password"])
        if user is None:
            raise ApplicationError("Email or password is wrong.", code="invalid_credentials")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
