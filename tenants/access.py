"""Who is calling, and for which client: resolved once at the edge of every API request.

`/api/v1` views subclass `ClientScopedApi` and read `self.client`; they never filter by tenant
themselves beyond passing that client to selectors and services.
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import APIView

from core.ids import parse_id
from tenants.authentication import ApiKeyUser
from tenants.models import Client, Membership


def client_for_request(request) -> Client:
    """The caller's client. An API key names it; a user acts for their membership's client.

    A user with several memberships picks one with the `X-Client-Id` header (the client's id).
    Staff without a membership must name the client too. Anything else is a 404.
    """
    user = request.user
    if isinstance(user, ApiKeyUser):
        return user.client
    memberships = Membership.objects.filter(user=user).select_related("client")
    wanted = request.headers.get("X-Client-Id")
    if wanted:
        client_id = parse_id(wanted)
        if user.is_staff:
            client = Client.objects.filter(pk=client_id).first() if client_id else None
        else:
            found = memberships.filter(client_id=client_id).first() if client_id else None
            client = found.client if found else None
        if client is None:
            raise exceptions.NotFound("No such client.")
        return client
    first = memberships.order_by("id").first()
    if first is None:
        raise exceptions.PermissionDenied("This user acts for no client; send X-Client-Id.")
    return first.client


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

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.client = client_for_request(request)
