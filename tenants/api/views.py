"""Token login and logout for the REST API: an email and password for `Authorization: Token …`."""

from __future__ import annotations

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from core.client_ip import ClientIpThrottleMixin
from core.exceptions import ApplicationError
from tenants.authentication import UserTokenAuthentication
from tenants.lockout import lockout_message
from tenants.tokens import api_token_issue, api_token_revoke


class LoginThrottle(ClientIpThrottleMixin, AnonRateThrottle):
    """Login attempts per caller address (`core.client_ip`: X-Forwarded-For only as far as NUM_PROXIES)."""

    rate = "20/min"


class TokenRequestSerializer(serializers.Serializer):
    email = serializers.CharField(max_length=254, required=False)
    username = serializers.CharField(max_length=254, required=False, help_text="Accepted instead of `email`.")
    password = serializers.CharField(max_length=128, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        if not (attrs.get("email") or attrs.get("username")):
            raise serializers.ValidationError({"email": ["This field is required."]})
        return attrs


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class AuthTokenApi(APIView):
    """Trade an email and password for an API token (`Authorization: Token …`), valid API_TOKEN_TTL_HOURS.

    A wrong email or password is a 400 `invalid_credentials`; too many failures lock the login out
    (tenants/lockout.py) and are a 429 `locked_out`, even with the right password, until the cool-off ends.
    Every call issues a new token; each ends on its own (logout or expiry).
    """

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        identifier = data.validated_data.get("email") or data.validated_data["username"]
        user = authenticate(request, username=identifier, password=data.validated_data["password"])
        if user is None:
            if getattr(request, "axes_locked_out", False):
                raise ApplicationError(lockout_message(), code="locked_out", status=429)
            raise ApplicationError("Email or password is wrong.", code="invalid_credentials")
        # Like a page login: audited, and the lockout forgets this account's failures.
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return Response({"token": api_token_issue(user=user)})


class AuthLogoutApi(APIView):
    """End the token this request is made with (`Authorization: Token …`); it no longer works. 204."""

    authentication_classes = [UserTokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        api_token_revoke(token=request.auth)
        return Response(status=204)
