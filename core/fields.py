"""Encrypted model fields for the secrets Meta gives us (business tokens, registration PINs).

Fernet (AES-128-CBC + HMAC) from `cryptography`; `FIELD_ENCRYPTION_KEY` holds one or more keys,
newest first, so keys can be rotated (MultiFernet decrypts with any, encrypts with the first).
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

GENERATE_HINT = (
    'generate one with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
)


def encryption_key_problem(keys: list[str] | tuple[str, ...]) -> str | None:
    """Why FIELD_ENCRYPTION_KEY cannot be used, or None. Names the entry by position, never its value."""
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError):
            return (
                f"FIELD_ENCRYPTION_KEY entry {position} of {len(keys)} is not a Fernet key "
                f"(32 bytes, url-safe base64, 44 characters); {GENERATE_HINT}"
            )
    return None


def validate_encryption_keys() -> None:
    """Fail at startup, not at the first encrypted read or write: called from CoreConfig.ready."""
    problem = encryption_key_problem(settings.FIELD_ENCRYPTION_KEY)
    if problem:
        raise ImproperlyConfigured(problem)


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...], secret_key: str) -> MultiFernet:
    if not keys:
        # Development only (settings refuse to start without a key when DEBUG is off).
        derived = base64.urlsafe_b64encode(hashlib.sha256(secret_key.encode()).digest())
        keys = (derived.decode(),)
    try:
        return MultiFernet([Fernet(k) for k in keys])
    except ValueError as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY must be Fernet keys (urlsafe base64, 32 bytes).") from exc


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEY), settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured("A stored secret cannot be decrypted with FIELD_ENCRYPTION_KEY.") from exc


class EncryptedTextField(models.TextField):
    """Stores ciphertext, hands Python code the plain value. Not searchable, by design."""

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
