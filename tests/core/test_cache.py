"""The Redis cache backend keeps one redis-py client per pool and behaves as Django's (real Redis)."""

from __future__ import annotations

import os

from core.cache import RedisCache


def test_one_client_serves_every_call_and_the_cache_works():
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    cache = RedisCache(url, {"KEY_PREFIX": "test-core-cache"})
    cache.delete("flag")
    assert cache.add("flag", 1, timeout=5) is True
    assert cache.add("flag", 1, timeout=5) is False  # SET NX: the wake-up flag relies on it
    assert cache.get("flag") == 1
    client = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is client  # not a new client per call
    cache.delete("flag")
    assert cache.get("flag") is None
