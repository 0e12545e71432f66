"""Typed Graph API errors: what the caller should do decides the class, not the HTTP status.

Meta often answers transient trouble with HTTP 400, so the error `code` is what counts
(docs/meta-facts.md, Errors).
"""

from __future__ import annotations

from typing import Any

# Codes worth another try later, with backoff.
TRANSIENT_CODES = {1, 2, 4, 80007, 130429, 131000, 131016, 131056, 131057, 133004}
# Throttling: back off longer.
RATE_LIMIT_CODES = {4, 80007, 130429, 131056}
AUTH_CODES = {0, 190}
WINDOW_CLOSED_CODE = 131047


class GraphError(Exception):
    """Any failure talking to the Graph API."""

    transient = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        title: str = "",
        details: str = "",
        payload: Any = None,
    ):
        super().__init__(message)
        self.message = message
        self.code = code
        self.http_status = http_status
        self.title = title
        self.details = details
        self.payload = payload

    def __str__(self) -> str:
        code = f" (code {self.code})" if self.code is not None else ""
        return f"{self.message}{code}"


class TransientGraphError(GraphError):
    """Network trouble, 5xx, throttling or maintenance: retry with backoff."""

    transient = True


class RateLimitedError(TransientGraphError):
    """Meta throttled us (app, account, number or pair rate)."""


class GraphTimeoutError(TransientGraphError):
    """No answer in time. The request may or may not have been carried out."""


class PermanentGraphError(GraphError):
    """Meta refused the request as it is; retrying the same request will not help."""


class AuthenticationError(PermanentGraphError):
    """The token is invalid, expired or revoked (190): the client must reconnect."""


class WindowClosedError(PermanentGraphError):
    """More than 24 h since the customer's last message: only templates may be sent (131047)."""


def error_from_response(http_status: int, body: Any) -> GraphError:
    """Build the typed error for a non-2xx Graph answer with Meta's `{"error": {...}}` body."""
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        cls = TransientGraphError if http_status >= 500 or http_status == 429 else PermanentGraphError
        return cls(f"Graph API answered HTTP {http_status}", http_status=http_status, payload=body)
    code = err.get("code")
    text = str(code) if isinstance(code, (int, str)) and not isinstance(code, bool) else ""
    code = int(text) if text.lstrip("-").isascii() and text.lstrip("-").isdigit() else None
    error_data = err.get("error_data") if isinstance(err.get("error_data"), dict) else {}
    kwargs = {
        "code": code,
        "http_status": http_status,
        "title": str(err.get("error_user_title") or err.get("type") or ""),
        "details": str(error_data.get("details") or err.get("error_user_msg") or ""),
        "payload": body,
    }
    message = str(err.get("message") or f"Graph API error {code}")
    if code in AUTH_CODES or http_status == 401:
        return AuthenticationError(message, **kwargs)
    if code == WINDOW_CLOSED_CODE:
        return WindowClosedError(message, **kwargs)
    if code in RATE_LIMIT_CODES or http_status == 429:
        return RateLimitedError(message, **kwargs)
    if code in TRANSIENT_CODES or (code is None and http_status >= 500):
        return TransientGraphError(message, **kwargs)
    if http_status >= 500 and code not in (100,):
        return TransientGraphError(message, **kwargs)
    return PermanentGraphError(message, **kwargs)
