"""OpenAPI (drf-spectacular) customisation: the API key and token schemes, collision-free component names, and
the error answers every endpoint can give, so the schema lists every status code the API really answers."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(required=False)


class ErrorSerializer(serializers.Serializer):
    """Every error of the API: `{"error": {"code", "message", "details"?}}` (core/exceptions.py)."""

    error = ErrorBodySerializer()


def page_parameters(max_page_size: int) -> list[OpenApiParameter]:
    """`page` and `page_size` of a paginated list."""
    return [
        OpenApiParameter("page", int, description="Page number, from 1."),
        OpenApiParameter("page_size", int, description=f"Items per page (default 50, at most {max_page_size})."),
    ]


def paginated(serializer_class: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of a page: `count`, `next`, `previous` and `results`."""
    return inline_serializer(
        name=f"Paginated{serializer_class.__name__.removesuffix('OutputSerializer').removesuffix('Serializer')}List",
        fields={
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "results": serializer_class(many=True),
        },
    )


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "Per-client API key: `Api-Key <prefix>.<secret>`.",
        }


class UserTokenScheme(OpenApiAuthenticationExtension):
    """People's tokens from POST /api/auth/token; named like DRF's own token scheme, as before."""

    target_class = "tenants.authentication.UserTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A person's token from `POST /api/auth/token`: `Token <token>`. Expires; "
            "`POST /api/auth/logout` ends it.",
        }


class AutoSchema(openapi.AutoSchema):
    """Name nested serializers after their view (`RegisterClientApi.InputSerializer` →
    `RegisterClientInput`), so one-class-per-operation views never collide in the schema."""

    def get_serializer_name(self, serializer, direction) -> str:
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        outer, inner = qualname.split(".")[-2:]
        return outer.removesuffix("Api").removesuffix("View") + inner

    def _get_response_bodies(self, direction="response"):
        """The operation's own answers, plus the errors that the edge of every API view can give.

        Found by fuzzing the schema (tests/security/test_api_schema_fuzz.py): these are answered before or
        around any view's own logic, so each view would otherwise have to remember to list them.
        """
        responses = super()._get_response_bodies(direction)
        for code in self._edge_error_codes():
            responses.setdefault(
                str(code), self._get_response_for_code(ErrorSerializer, str(code), direction=direction)
            )
        return responses

    def _edge_error_codes(self) -> list[int]:
        view = self.view
        codes = [400]  # unparseable or too-deep JSON, unknown or invalid parameters (core/jsonbody.py)
        if view.get_authenticators():
            codes.append(401)  # credentials sent but not valid (a wrong, expired or revoked token or key)
        permissions = view.get_permissions()
        if any(not isinstance(p, AllowAny) for p in permissions):
            codes.append(403)  # not allowed: not staff, an agent, no client, a session without CSRF
        if "{" in self.path or getattr(view, "schema_not_found", False):
            codes.append(404)  # another client's object, or a missing one; a client the caller may not act for
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append(413)  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE
            codes.append(415)  # a body no parser of the view reads (a content type it does not take, cut multipart)
        if view.get_throttles():
            codes.append(429)  # rate limited, with Retry-After
        return codes
