"""The caller's IP address, the one way every rate limit, lockout and audit entry reads it.

`X-Forwarded-For` is written by whoever sends the request, so it is only believed as far as our own
proxies vouch for it. `NUM_PROXIES` says how many proxies we run in front of the web process:

- 0 (the default): the header is ignored entirely and the address is `REMOTE_ADDR`, the socket's peer.
- N: the Nth address from the right of `X-Forwarded-For`. Each proxy appends the address that connected
  to it, so the right-most N entries were written by our proxies and anything further left is the
  client's own claim. This is DRF's `NUM_PROXIES` rule, so DRF and we always pick the same address.

A value that is not an IP address (a client stuffing the header when fewer proxies than expected wrote
it) falls back to `REMOTE_ADDR`: it must never become a free-form throttle key or break an IP column.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid_ip(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    """The address to count and record for `request` (a Django or DRF request), or None without one."""
    if request is None:
        return None
    meta = request.META
    remote_addr = _valid_ip(meta.get("REMOTE_ADDR"))
    num_proxies = int(getattr(settings, "NUM_PROXIES", 0) or 0)
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if num_proxies <= 0 or not forwarded:
        return remote_addr
    addresses = forwarded.split(",")
    return _valid_ip(addresses[-min(num_proxies, len(addresses))]) or remote_addr


class ClientIpThrottleMixin:
    """For DRF throttles: count per `client_ip`, never per a raw, client-written X-Forwarded-For."""

    def get_ident(self, request) -> str:
        return client_ip(request) or ""
