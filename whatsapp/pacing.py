"""Per-number send pacing: Meta allows about 80 messages per second per number (130429 beyond).

A fixed one-second window counter in the shared cache (Redis in production) is enough: workers
that find the second full re-queue the send for the next one instead of calling Meta. Calls that Meta
answered with a transient error wait out a backoff with jitter before the next try.
"""

from __future__ import annotations

import logging
import random
import time

from django.conf import settings
from django.core.cache import cache

from core.cache import count

logger = logging.getLogger(__name__)


def acquire_send_slot(phone_number_id: str, *, now: float | None = None) -> bool:
    """Take one of this second's send slots for the number; False when the second is full.

    Fails open: with the cache unreachable (Redis restarting) the send goes ahead. The caller has
    already claimed the message (pending → sending), and an error here would leave it stuck there
    although Meta was never called; Meta's own throttle (130429) is transient and retried anyway.
    """
    second = int(now if now is not None else time.time())
    key = f"pace:{phone_number_id}:{second}"
    try:
        used = count(cache, key, timeout=5)  # one round trip on Redis
    except Exception:
        logger.warning("send pacing cache unreachable; sending without a slot", exc_info=True)
        return True
    return used <= settings.WHATSAPP_SENDS_PER_SECOND


def backoff_with_jitter(attempts: int) -> float:
    """Full jitter: a random wait up to 2^attempts seconds, capped."""
    return random.uniform(1, min(settings.WHATSAPP_RETRY_BACKOFF_MAX, 2 ** (attempts + 1)))
