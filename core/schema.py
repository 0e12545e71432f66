"""OpenAPI (drf-spectacular) customisation: the API key and token schemes and collision-free component names."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
