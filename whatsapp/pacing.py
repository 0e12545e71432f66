"""Per-number send pacing: Meta allows about 80 messages per second per number (130429 beyond).

A fixed one-second window counter in the shared cache (Redis in production) is enough: workers
that find the second full re-queue the send for the next one instead of calling Meta.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def acquire_send_slot(phone_number_id: str, *, now: float | None = None) -> bool:
    """Take one of this second's send slots for the number; False when the second is full."""
    second = int(now if now is not None else time.time())
    key = f"pace:{phone_number_id}:{second}"
    cache.add(key, 0, timeout=5)
    try:
        used = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=5)
        used = 1
    return used <= settings.WHATSAPP_SENDS_PER_SECOND
