"""Tenant scoping: every read of tenant-owned rows names the client it is for.

Selectors call `Model.objects.for_client(client)`; a lookup of an id that belongs to another
client therefore finds nothing, and callers answer 404 ("missing" and "not yours" look alike).
"""

from __future__ import annotations

from django.db import models


class TenantQuerySet(models.QuerySet):
    def for_client(self, client: models.Model | int) -> TenantQuerySet:
        """Rows of this client (a Client or its id); the models module imports this one, never the reverse."""
        client_id = client if isinstance(client, int) else client.pk
        if client_id is None:
            # Fail closed: an unsaved or missing client must never widen the query.
            return self.none()
        return self.filter(client_id=client_id)
