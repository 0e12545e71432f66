"""Machine-facing paths (/api/, /webhook/, /healthz) answer like an API, whatever happens.

- The contract writes paths without a trailing slash; a client that adds one still reaches them.
- A 404 there is the JSON error shape, not Django's HTML page (in DEBUG too).
- An unexpected exception there is a JSON 500 (and is logged), never an HTML traceback page.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from core.exceptions import json_error

logger = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/webhook/", "/healthz")


def _resolves(path: str) -> bool:
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


def is_api_path(path: str) -> bool:
    return path.startswith(API_PREFIXES)


class ApiPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        path = request.path_info
        if not is_api_path(path):
            return self.get_response(request)
        if path.endswith("/") and not _resolves(path) and _resolves(path[:-1]):
            request.path_info = path[:-1]
        response = self.get_response(request)
        if response.status_code == 404 and "json" not in response.get("Content-Type", ""):
            return json_error("not_found", "No such endpoint or object.", 404)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path_info):
            return None
        if isinstance(exception, RequestDataTooBig):
            # A multipart body skips RequestBodyLimitMiddleware (uploads stream), but a view that reads
            # `request.body` (the webhook) still hits Django's limit: the same 413, never a 500.
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return json_error("body_too_large", f"The request body is larger than {limit} bytes.", 413)
        logger.exception("unhandled error on %s %s", request.method, request.path_info, exc_info=exception)
        return json_error("server_error", "Something went wrong on our side; it has been logged.", 500)


class RequestBodyLimitMiddleware:
    """A body larger than DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 before any view reads it.

    Django itself only checks the size when `request.body` is read and then raises RequestDataTooBig, which
    the webhook and DRF's parsers let through as a 500. Multipart uploads are left to Django's own limits
    (files stream to disk; their non-file fields are still capped by Django).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return self._refuse(request, "bad_content_length", "The Content-Length header is not a number.", 400)
        if limit is not None and size > limit and not (request.content_type or "").startswith("multipart/"):
            return self._refuse(request, "body_too_large", f"The request body is larger than {limit} bytes.", 413)
        return self.get_response(request)

    @staticmethod
    def _refuse(request: HttpRequest, code: str, message: str, status: int) -> HttpResponse:
        if is_api_path(request.path_info):
            return json_error(code, message, status)
        return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
