"""Who is acting right now: the request being served (web) or nobody, which means the system (worker, beat).

The middleware keeps the current request in a context variable, so a service can record its actor without
every caller passing one down. The user is read when the entry is written, not when the request starts:
DRF authenticates inside the view and sets `request.user` on the Django request it wraps, so an API-key
call is attributed to its key.
"""

from __future__ import annotations

from contextvars import ContextVar

from django.http import HttpRequest

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_current_request", default=None)


def current_request() -> HttpRequest | None:
    return _current_request.get()


class AuditContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)
