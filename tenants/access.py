"""Who is calling, and for which client: resolved once at the edge of every API request.

`/api/v1` views subclass `ClientScopedApi` and read `self.client`; they never filter by tenant
themselves beyond passing that client to selectors and services.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from rest_framework import exceptions
from rest_framework.views import APIView

from core.ids import parse_id
from core.throttles import first_refusal
from tenants.authentication import ApiKeyUser
from tenants.models import Client, Membership
from tenants.selectors import memberships_of


def client_for_request(request) -> Client:
    """The caller's client. An API key names it; a user acts for their membership's client.

    A user with several memberships picks one with the `X-Client-Id` header (the client's id).
    Staff without a membership must name the client too. Anything else is a 404.
    """
    user = request.user
    if isinstance(user, ApiKeyUser):
        return user.client
    wanted = request.headers.get("X-Client-Id")
    if wanted:
        client_id = parse_id(wanted)
        if user.is_staff:  # the operator may act for any client
            client = Client.objects.filter(pk=client_id).first() if client_id else None
        else:
            client = next((m.client for m in memberships_of(user) if m.client_id == client_id), None)
        if client is None:
            raise exceptions.NotFound("No such client.")
        return client
    memberships = memberships_of(user)
    if not memberships:
        raise exceptions.PermissionDenied("This user acts for no client; send X-Client-Id.")
    return min(memberships, key=lambda m: m.pk).client  # the oldest membership, as before


def user_can_access_client(user, client_id: int) -> bool:
    """Operator (staff) sees every client; a client's users see only theirs."""
    if parse_id(client_id) is None:
        return False
    if isinstance(user, ApiKeyUser):
        return user.client.pk == client_id
    if getattr(user, "is_staff", False):
        return True
    return Membership.objects.filter(user=user, client_id=client_id).exists()


class ClientScopedApi(APIView):
    """Base class of every `/api/v1` view: `self.client` is set before the handler runs."""

    client: Client
    # core.schema lists 404 for every operation: an `X-Client-Id` naming no client of the caller's is a 404.
    schema_not_found = True

    def check_throttles(self, request) -> None:
        """Resolve the client first, so throttles can count per client; stop at the first refusal."""
        # Runs in `initial`, after authentication and permissions: the caller is known, and a caller
        # who may not act for the client gets its 403/404 here, before any budget is spent.
        self.client = client_for_request(request)
        refused = first_refusal(self.get_throttles(), request, self)
        if refused is not None:
            self.throttled(request, refused.wait())


def operator_required(view):
    """Operator pages span every tenant: anonymous → login, a signed-in non-staff user → 403."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
