"""Writes of the portal that no other app offers."""

from __future__ import annotations

from django.utils import timezone

from tenants.models import ApiKey


def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Stop the key working at once; revoking twice keeps the first time."""
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    key.refresh_from_db(fields=["revoked_at"])
    return key
