"""Meta signs every webhook POST: HMAC-SHA256 of the raw body with the app secret."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def sign_body(body: bytes, secret: str | None = None) -> str:
    """The `X-Hub-Signature-256` header value Meta would send for this body."""
    key = (secret if secret is not None else settings.WHATSAPP_APP_SECRET).encode()
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def signature_is_valid(body: bytes, header: str | None) -> bool:
    """Fails closed: a missing, non-ASCII or wrong header is simply not a valid signature."""
    if not header or not settings.WHATSAPP_APP_SECRET or not header.isascii():
        return False  # compare_digest raises TypeError on non-ASCII str; no valid signature is non-ASCII
    return hmac.compare_digest(sign_body(body).encode(), header.strip().encode())
