"""Rate limits counted in the cache (Redis in production), with rates read from settings at request time.

Subclasses say what they count (`ident`; `ClientIpRateThrottle` counts per caller address); the operator
tunes the rate through an environment variable without code. `first_refusal` checks several limits in order
and stops at the first one that refuses, so a refused request spends no other budget (a user over their own
limit does not use up their client's).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import client_ip


class SettingRateThrottle(SimpleRateThrottle):
    """A DRF throttle whose rate is `settings.<setting_name>` (DRF syntax: "20/min", "200/hour")."""

    setting_name = ""
    rate: str | None = None

    def get_rate(self) -> str:
        return getattr(settings, self.setting_name)

    def ident(self, request, view) -> str | None:
        """What is counted: a client, a caller. None counts nothing."""
        raise NotImplementedError

    def get_cache_key(self, request, view) -> str | None:
        ident = self.ident(request, view)
        return None if ident is None else self.cache_format % {"scope": self.scope, "ident": ident}


class ClientIpRateThrottle(SettingRateThrottle):
    """Counts per caller IP address as `core.client_ip` reads it, so a forged X-Forwarded-For buys nothing."""

    def ident(self, request, view) -> str:
        return client_ip(request) or ""


def first_refusal(throttles: Iterable[SimpleRateThrottle], request, view) -> SimpleRateThrottle | None:
    """The first throttle that refuses the request (after which none is counted), or None if all allow it."""
    for throttle in throttles:
        if not throttle.allow_request(request, view):
            return throttle
    return None
