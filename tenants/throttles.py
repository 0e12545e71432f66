"""Rate limits per client and per caller of the tenant-scoped API and portal.

A client may hold any number of API keys and users: a limit that only counted per key would let it
multiply its budget by creating keys. `ClientRateThrottle` counts everything one client does;
`CallerRateThrottle` counts one key or one user inside it, so one runaway integration cannot use up the
budget of the client's people.
"""

from __future__ import annotations

from core.throttles import SettingRateThrottle
from tenants.authentication import ApiKeyUser


def caller_ident(user) -> str:
    """One API key or one user (a key's request.user has no pk of its own)."""
    if isinstance(user, ApiKeyUser):
        return f"key:{user.api_key.pk}"
    return f"user:{user.pk}"


class ClientRateThrottle(SettingRateThrottle):
    """Counts per client: `view.client` (a `ClientScopedApi`, or the portal's `PortalContext`)."""

    def ident(self, request, view) -> str:
        return f"client:{view.client.pk}"


class CallerRateThrottle(SettingRateThrottle):
    """Counts per API key or user."""

    def ident(self, request, view) -> str:
        return caller_ident(request.user)
