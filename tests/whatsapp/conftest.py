"""Fixtures of the whatsapp tests (the `/api/v1` callers live in api_support.py)."""

from tests.whatsapp.api_support import api_for  # noqa: F401
