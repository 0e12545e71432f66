"""Who is using the portal and for which client: resolved once per request from the session.

A user acts for a client through a Membership. With one membership that client is used; with several the
user picks one on /app/choose/ and the choice is kept in the session. The session only names a client id:
it is re-checked against the user's memberships on every request, so a stale or forged id never widens access.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import redirect

from tenants.models import Client, Membership
from tenants.selectors import memberships_of
from whatsapp.selectors import conversation_list

SESSION_CLIENT_KEY = "portal_client_id"


@dataclass(frozen=True)
class PortalContext:
    """The client the request acts for and the user's role in it."""

    client: Client
    role: str
    client_count: int = 1

    @property
    def is_owner(self) -> bool:
        return self.role == Membership.Role.OWNER


def remember_client(request: HttpRequest, client_id: int) -> bool:
    """Keep the user's choice of client if the user is a member of it; False otherwise."""
    # Compared in Python against the user's own memberships: any id, however large, is simply not one of them.
    if client_id not in {m.client_id for m in memberships_of(request.user)}:
        return False
    request.session[SESSION_CLIENT_KEY] = client_id
    return True


def resolve_portal_context(request: HttpRequest) -> PortalContext | None:
    """The membership the request acts through, or None when the user must choose (or has none)."""
    memberships = memberships_of(request.user)
    wanted = request.session.get(SESSION_CLIENT_KEY)
    chosen = next((m for m in memberships if m.client_id == wanted), None)
    if chosen is None and len(memberships) == 1:
        chosen = memberships[0]
    if chosen is None:
        return None
    return PortalContext(client=chosen.client, role=chosen.role, client_count=len(memberships))


def portal_view(view=None, *, owner_only: bool = False):
    """Log in first, resolve the client (or send the user to pick one), then call `view(request, portal, ...)`.

    Owner-only pages answer 403 to agents: they already know the client, so nothing is revealed.
    """

    def decorate(func):
        @wraps(func)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            portal = resolve_portal_context(request)
            if portal is None:
                if request.user.is_staff and not memberships_of(request.user):
                    return redirect("portal:dashboard")
                return redirect("portal:choose-client")
            if owner_only and not portal.is_owner:
                raise PermissionDenied
            request.portal = portal
            # The inbox tab's badge on every page: conversations waiting for a person.
            request.portal_waiting = conversation_list(client=portal.client, needs_attention=True).count()
            return func(request, portal, *args, **kwargs)

        return wrapped

    return decorate(view) if view is not None else decorate
