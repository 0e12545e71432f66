"""API tokens of people (`Authorization: Token …`), the one writer of django-rest-knox's token table.

A token is issued by `POST /api/auth/token` (email and password), lives `API_TOKEN_TTL_HOURS` and ends
earlier with `POST /api/auth/logout`. Only a SHA-512 digest and the first characters (to find the row)
are stored, so a copy of the database or the back office never shows a usable token. Integrations that
must run unattended use per-client API keys (tenants/authentication.py), which do not expire.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from knox.models import AuthToken


def api_token_ttl() -> timedelta:
    return timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def api_token_issue(*, user: AbstractBaseUser) -> str:
    """A new token for `user`; the plain value is returned once and never stored."""
    # Expired tokens of this user go now rather than waiting to be presented (knox only deletes them then).
    AuthToken.objects.filter(user=user, expiry__lt=timezone.now()).delete()
    _instance, token = AuthToken.objects.create(user=user, expiry=api_token_ttl())
    return token


def api_token_revoke(*, token: AuthToken) -> None:
    """End the token a request authenticated with (logout)."""
    AuthToken.objects.filter(pk=token.pk).delete()
