"""One error type for business rules and one renderer for every API error.

Every API error leaves as `{"error": {"code": "...", "message": "...", "details": ...}}`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class ApplicationError(Exception):
    """A business rule said no. Views turn it into a 4xx with the same JSON shape."""

    status_code = 400

    def __init__(self, message: str, *, code: str = "invalid", status: int | None = None, details: Any = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details
        if status is not None:
            self.status_code = status


class NotFoundError(ApplicationError):
    """Missing and "not yours" look the same: both are this error."""

    status_code = 404

    def __init__(self, message: str = "Not found.", *, code: str = "not_found", details: Any = None):
        super().__init__(message, code=code, details=details)


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


def json_error(code: str, message: str, status: int, details: Any = None) -> JsonResponse:
    """The error shape for plain Django views (webhook, health) that are not DRF views."""
    return JsonResponse(error_body(code, message, details), status=status)


_DRF_CODES = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.Throttled: "rate_limited",
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.ValidationError: "validation_error",
}


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    if isinstance(exc, drf_exceptions.ValidationError):
        message, details = "The request has invalid fields.", response.data
    else:
        message, details = str(getattr(exc, "detail", exc)), None
    response.data = error_body(code, message, details)
    return response
