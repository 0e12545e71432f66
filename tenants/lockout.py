"""Login lockout (django-axes): how failures are counted, and which limit applies to which count.

Every login (portal, back office, `POST /api/auth/token`) goes through `authenticate()`, where axes'
backend refuses a locked caller before the password is even checked. Failures are counted three ways,
each with its own limit (settings, from the environment; docs/security.md explains the choice):

- one account from one address, `AXES_FAILURE_LIMIT` (default 5): someone guessing a password is
  stopped quickly, and the real owner, elsewhere, can still log in;
- one account from anywhere, `AXES_ACCOUNT_FAILURE_LIMIT` (default 20): a guess spread over many
  addresses still stops, but locking a known account out costs an attacker many tries per cool-off;
- one address over all accounts, `AXES_IP_FAILURE_LIMIT` (default 50): credential stuffing from one
  place stops, without a per-account lock for each of its victims.

Each lock lasts `AXES_COOLOFF_TIME`; a successful login clears that account's failures.
"""

from __future__ import annotations

import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_lockout_parameters
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils.translation import ngettext

from tenants.auth import user_for_login

_LIMIT_SETTINGS = {
    ("ip_address", "username"): "AXES_FAILURE_LIMIT",
    ("username",): "AXES_ACCOUNT_FAILURE_LIMIT",
    ("ip_address",): "AXES_IP_FAILURE_LIMIT",
}


def lockout_username(request, credentials: dict | None) -> str | None:
    """The account key failures are counted under: the account's username when it exists, else the
    identifier as typed, lower-cased (so unknown names are counted too, and case never splits a count)."""
    source = credentials if credentials is not None else getattr(request, "data", None) or request.POST
    typed = source.get("username") or source.get("email")
    if not typed or not isinstance(typed, str):
        return None
    user = user_for_login(typed)
    return user.get_username() if user is not None else typed.strip().lower()[:255]


def lockout_message() -> str:
    """What a locked-out caller is told, in the request's language: why, and for how long."""
    minutes = max(1, math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return ngettext(
        "Too many failed login attempts. For your security, logging in is blocked for %(minutes)d minute. "
        "Try again later.",
        "Too many failed login attempts. For your security, logging in is blocked for %(minutes)d minutes. "
        "Try again later.",
        minutes,
    ) % {"minutes": minutes}


def _limit_for(parameter: str | list[str]) -> int:
    names = tuple(sorted([parameter] if isinstance(parameter, str) else parameter))
    return getattr(settings, _LIMIT_SETTINGS.get(names, "AXES_FAILURE_LIMIT"))


class TieredLockoutHandler(AxesDatabaseHandler):
    """axes' database handler with one limit per way of counting instead of one for all.

    axes compares the largest count with AXES_FAILURE_LIMIT; this returns, for the count nearest its own
    limit, how far it is from it, shifted onto AXES_FAILURE_LIMIT: locked exactly when some count has
    reached its own limit.
    """

    def get_failures(self, request, credentials: dict | None = None) -> int:
        base = settings.AXES_FAILURE_LIMIT
        parameters = get_lockout_parameters(request, credentials)
        worst = 0
        for parameter, attempts in zip(parameters, self.get_user_attempts(request, credentials), strict=True):
            count = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            if count:
                worst = max(worst, count - _limit_for(parameter) + base)
        return worst

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        """After a successful login, clear that account's failures only: logging in to one's own account
        must not wipe what an address did to other accounts (that would reset the stuffing count)."""
        username = get_client_username(request, credentials)
        if not username:
            return 0
        deleted, _ = AccessAttempt.objects.filter(username=username).delete()
        return deleted
