"""One HTTP POST to a checked target: connect to an address `urlsafety` approved, never follow a redirect.

urllib3 directly (requests' own dependency) because the connection must go to the checked IP while TLS
still verifies the certificate for the host name (SNI and hostname check on `server_hostname`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import HTTPError

from integrations.urlsafety import Target

RESPONSE_EXCERPT_BYTES = 500


@dataclass
class Answer:
    status: int | None  # None: no HTTP answer (connection refused, timeout, TLS error)
    latency_ms: int
    excerpt: str = ""
    error: str = ""
    retry_after: str | None = None


def post(target: Target, body: bytes, headers: dict[str, str], *, timeout: float) -> Answer:
    """POST `body` to the target, trying its checked addresses in turn until one connects."""
    default_port = 443 if target.scheme == "https" else 80
    host_header = target.host if target.port == default_port else f"{target.host}:{target.port}"
    if ":" in target.host and target.port != default_port:
        host_header = f"[{target.host}]:{target.port}"
    headers = {**headers, "Host": host_header}
    started = time.monotonic()
    error = ""
    for address in target.addresses:
        pool = _pool(target, address, timeout)
        try:
            response = pool.urlopen(
                "POST",
                target.path,
                body=body,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                assert_same_host=False,
            )
            try:
                excerpt = response.read(RESPONSE_EXCERPT_BYTES, decode_content=True)
            finally:
                response.release_conn()
            return Answer(
                status=response.status,
                latency_ms=_ms(started),
                excerpt=excerpt.decode("utf-8", "replace")[:RESPONSE_EXCERPT_BYTES],
                retry_after=response.headers.get("Retry-After"),
            )
        except (HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:300]
        finally:
            pool.close()
    return Answer(status=None, latency_ms=_ms(started), error=error)


def _pool(target: Target, address: str, timeout: float) -> urllib3.HTTPConnectionPool:
    limits = urllib3.Timeout(connect=min(timeout, 5.0), read=timeout)
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            target.port,
            timeout=limits,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=certifi.where(),
            server_hostname=target.host,
            assert_hostname=target.host,
        )
    return urllib3.HTTPConnectionPool(address, target.port, timeout=limits, retries=False)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
