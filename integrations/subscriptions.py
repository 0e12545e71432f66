"""Which events each client's enabled endpoints want, cached so the message hot path asks no database.

The pipeline's observers call `wanted` for every event; a client with no endpoints (almost all of them)
is answered from the cache — an empty list is cached like any other — and costs no query. Every change
to a client's endpoints goes through `integrations.services`, which calls `forget` (now and again after
commit, so a reader racing the change cannot keep a stale answer).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction

from integrations.models import WebhookEndpoint

CACHE_SECONDS = 24 * 3600


def _key(client_id: int) -> str:
    return f"integrations:events:{client_id}"


def subscribed(client_ids: Iterable[int]) -> dict[int, frozenset[str]]:
    """client id → the events its enabled endpoints subscribe to (one cache call; a query only on misses)."""
    ids = {int(client_id) for client_id in client_ids if client_id is not None}
    if not ids:
        return {}
    cached = cache.get_many([_key(client_id) for client_id in ids])
    found = {client_id: frozenset(cached[_key(client_id)]) for client_id in ids if _key(client_id) in cached}
    missing = ids - set(found)
    if missing:
        events: dict[int, set[str]] = {client_id: set() for client_id in missing}
        rows = WebhookEndpoint.objects.filter(client_id__in=missing, is_enabled=True).values_list("client_id", "events")
        for client_id, endpoint_events in rows:
            events[client_id].update(e for e in endpoint_events or [] if isinstance(e, str))
        cache.set_many({_key(client_id): sorted(names) for client_id, names in events.items()}, CACHE_SECONDS)
        found.update({client_id: frozenset(names) for client_id, names in events.items()})
    return found


def wanted(client_id: int, event: str) -> bool:
    return event in subscribed([client_id]).get(client_id, frozenset())


def forget(client_id: int) -> None:
    cache.delete(_key(client_id))
    transaction.on_commit(lambda: cache.delete(_key(client_id)))
