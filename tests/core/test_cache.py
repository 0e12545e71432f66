"""The Redis cache backend keeps one redis-py client per pool and behaves as Django's (real Redis)."""

from __future__ import annotations

import os

import redis

from core.cache import RedisCache, count


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


def test_a_counter_counts_in_one_round_trip_and_expires(settings):
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
    settings.CACHES = {"default": {"BACKEND": "core.cache.RedisCache", "LOCATION": url, "KEY_PREFIX": "test-count"}}
    from django.core.cache import cache  # what the product counts with: a proxy to the configured backend

    cache.delete("sends")
    assert [count(cache, "sends", timeout=5) for _ in range(3)] == [1, 2, 3]
    assert cache.get("sends") == 3  # Django reads it back as the int it is
    client = redis.Redis.from_url(url)
    assert 0 < client.ttl(cache.make_and_validate_key("sends")) <= 5, "the first count set its expiry"
    client.config_resetstat()
    count(cache, "sends", timeout=5)
    calls = {name: stat["calls"] for name, stat in client.info("commandstats").items()}
    asked = {name: calls.get(f"cmdstat_{name}", 0) for name in ("set", "incrby", "incr", "exists", "get")}
    assert asked == {"set": 1, "incrby": 1, "incr": 0, "exists": 0, "get": 0}, "SET NX and INCR, no EXISTS"
    cache.delete("sends")


def test_a_counter_on_a_cache_without_one_counts_the_same(settings):
    from django.core.cache.backends.locmem import LocMemCache

    cache = LocMemCache("counter", {})
    assert [count(cache, "sends", timeout=5) for _ in range(3)] == [1, 2, 3]
