"""`/api/v1/contacts/<id>/export` and `/erase`: a customer's personal data (Ley 1581 de 2012).

Thin views on `ClientScopedApi`: another client's contact id is a 404 like a missing one. Like the portal's
contact page, they are for the business's owners and its API keys; an agent's token is a 403.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response

from privacy import services
from privacy.api.serializers import EraseInputSerializer, EraseOutputSerializer
from tenants.access import ClientScopedApi
from tenants.authentication import ApiKeyUser
from tenants.models import Membership
from tenants.selectors import memberships_of
from whatsapp.api.serializers import ContactOutputSerializer
from whatsapp.api.views import errors
from whatsapp.selectors import contact_get

TAGS = ["personal data"]


def ensure_owner(request, client) -> None:
    """Owners, API keys and the operator handle personal data; an agent's token is a 403."""
    user = request.user
    if isinstance(user, ApiKeyUser) or getattr(user, "is_staff", False):
        return
    roles = {m.role for m in memberships_of(user) if m.client_id == client.pk}
    if Membership.Role.OWNER not in roles:
        raise exceptions.PermissionDenied("Only the business's owners and its API keys handle personal data.")


class OwnerApi(ClientScopedApi):
    def check_throttles(self, request) -> None:
        super().check_throttles(request)  # resolves self.client first
        ensure_owner(request, self.client)


def _erase(view: ClientScopedApi, request, contact_id: int) -> Response:
    data = request.data if isinstance(request.data, dict) else None
    if data is None:
        raise exceptions.ValidationError({"non_field_errors": ["Send a JSON object (or no body)."]})
    payload = EraseInputSerializer(data=data)
    payload.is_valid(raise_exception=True)
    summary = services.contact_erase(
        client=view.client, contact_id=contact_id, reason=payload.validated_data.get("reason", "")
    )
    return Response(EraseOutputSerializer(summary).data)


class ContactApi(ClientScopedApi):
    """One contact: any of the client's people may read it; erasing it (`DELETE`) is the owners'."""

    @extend_schema(
        tags=["messaging"],
        summary="One contact",
        operation_id="v1_contact_get",
        responses={200: ContactOutputSerializer, **errors(401, 403, 404)},
    )
    def get(self, request, contact_id: int):
        return Response(ContactOutputSerializer(contact_get(client=self.client, contact_id=contact_id)).data)

    @extend_schema(
        tags=TAGS,
        summary="Erase one contact's personal data (the same as POST …/erase)",
        operation_id="v1_contact_delete",
        request=EraseInputSerializer,
        responses={200: EraseOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def delete(self, request, contact_id: int):
        ensure_owner(request, self.client)
        return _erase(self, request, contact_id)


class ContactExportApi(OwnerApi):
    @extend_schema(
        tags=TAGS,
        summary="Everything held about one contact, as JSON (a data subject's access request)",
        operation_id="v1_contact_export",
        responses={200: OpenApiTypes.OBJECT, **errors(401, 403, 404)},
    )
    def get(self, request, contact_id: int):
        data = services.contact_export(client=self.client, contact_id=contact_id)
        response = Response(data)
        response["Content-Disposition"] = f'attachment; filename="contact-{contact_id}.json"'
        response["Cache-Control"] = "no-store"
        return response


class ContactEraseApi(OwnerApi):
    @extend_schema(
        tags=TAGS,
        summary="Erase one contact's personal data; usage counts and billing stay",
        operation_id="v1_contact_erase",
        request=EraseInputSerializer,
        responses={200: EraseOutputSerializer, **errors(400, 401, 403, 404)},
    )
    def post(self, request, contact_id: int):
        return _erase(self, request, contact_id)
