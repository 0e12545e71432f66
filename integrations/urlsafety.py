"""Which URLs a webhook may be sent to (SSRF): public http(s) addresses only, checked at creation AND at
every delivery.

A name is resolved and every address it gives must be public; the delivery then connects to one of the
addresses checked here (`integrations.transport` pins it), so a name that changes its answer between
the check and the connection (DNS rebinding) cannot reach an internal address. Redirects are never
followed. With the sandbox on (`WHATSAPP_SANDBOX`, a development and demo mode refused in production),
private and loopback addresses are allowed so a receiver on the developer's machine works.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeUrl(Exception):
    """The URL may not receive webhooks; `code` is stable for API clients, `message` is for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL's parts and the checked addresses to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def address_is_public(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (IPv4-mapped and 6to4 IPv6 judged by their IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return address_is_public(embedded)
        if address.teredo is not None:
            return False
    refused = (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )
    return address.is_global and not refused


def private_allowed() -> bool:
    return bool(settings.WHATSAPP_SANDBOX)


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL, or UnsafeUrl saying what is wrong."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl("invalid_url", str(_("This is not a valid URL."))) from exc
    if parts.scheme not in ("http", "https"):
        raise UnsafeUrl("unsupported_scheme", str(_("Only http:// and https:// URLs can receive webhooks.")))
    if not parts.hostname:
        raise UnsafeUrl("invalid_url", str(_("The URL has no host.")))
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("credentials_in_url", str(_("Put no user name or password in the URL; verify our signature.")))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def resolve(host: str, port: int) -> tuple[str, ...]:
    """Every address the host resolves to (an IP literal resolves to itself), or UnsafeUrl."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UnsafeUrl("unresolvable_host", str(_("The host name cannot be resolved."))) from exc
    addresses = tuple(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise UnsafeUrl("unresolvable_host", str(_("The host name cannot be resolved.")))
    return addresses


def check_url(url: str) -> Target:
    """Resolve the URL's host and refuse it unless every address is public (or the sandbox allows private)."""
    scheme, host, port, path = split_url(url)
    addresses = resolve(host, port)
    if not private_allowed():
        for text in addresses:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone id
            if not address_is_public(address):
                raise UnsafeUrl(
                    "address_not_allowed",
                    str(_("Webhooks go only to public internet addresses; %(host)s is %(address)s."))
                    % {"host": host, "address": text},
                )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
