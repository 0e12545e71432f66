"""Authentication of the API: per-client API keys (`Authorization: Api-Key <prefix>.<secret>`) and people's
tokens (`Authorization: Token <token>`, tenants/tokens.py)."""

from __future__ import annotations

import hashlib
import secrets

from django.utils import timezone
from knox.auth import TokenAuthentication
from rest_framework import authentication, exceptions

from audit.services import audit_record
from tenants.models import ApiKey, Client

API_KEY_KEYWORD = "Api-Key"


def create_api_key(*, client: Client, name: str) -> tuple[ApiKey, str]:
    """Create a key and return it with the one-time plain value `<prefix>.<secret>`."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(
        client=client, name=name, prefix=prefix, digest=hashlib.sha256(secret.encode()).hexdigest()
    )
    audit_record(action="api_key.created", client=client, obj=key)
    return key, f"{prefix}.{secret}"


class ApiKeyUser:
    """The request.user of an API-key call: authenticated, acting for exactly one client."""

    is_authenticated = True
    is_active = True
    is_staff = False
    is_superuser = False
    is_anonymous = False
    pk = id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.client = api_key.client

    def __str__(self) -> str:
        return f"api-key:{self.api_key.prefix}"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="ignore")
        if not header.startswith(f"{API_KEY_KEYWORD} "):
            return None
        raw = header[len(API_KEY_KEYWORD) + 1 :].strip()
        prefix, _, secret = raw.partition(".")
        key = ApiKey.objects.select_related("client").filter(prefix=prefix, revoked_at__isnull=True).first()
        if key is None or not secrets.compare_digest(key.digest, hashlib.sha256(secret.encode()).hexdigest()):
            raise exceptions.AuthenticationFailed("Invalid API key.")
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
        return ApiKeyUser(key), key

    def authenticate_header(self, request) -> str:
        return API_KEY_KEYWORD


class UserTokenAuthentication(TokenAuthentication):
    """knox's hashed, expiring tokens; an expired, revoked or unknown token is a 401, never a 500.

    knox decodes the header as UTF-8; a header with other bytes would raise instead of being refused.
    """

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)
