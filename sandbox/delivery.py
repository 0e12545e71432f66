"""Post signed webhooks to WEBHOOK_URL over real HTTP, the way Meta's servers do."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.db import OperationalError, connection

from whatsapp.signature import sign_body

logger = logging.getLogger(__name__)

# Meta retries failed deliveries for up to 36 hours with growing gaps; the sandbox compresses that.
RETRY_DELAYS = (1.0, 3.0, 9.0)


def post_webhook(payload: dict[str, Any], *, url: str | None = None, timeout: float = 10.0) -> int | None:
    """POST one signed delivery; returns the HTTP status, or None when the URL did not answer."""
    body = json.dumps(payload, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign_body(body)}
    try:
        response = requests.post(url or settings.WEBHOOK_URL, data=body, headers=headers, timeout=timeout)
    except requests.RequestException as exc:
        logger.warning("sandbox could not deliver a webhook: %s", exc)
        return None
    return response.status_code


def delivered(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def post_until_delivered(payload: dict[str, Any], *, url: str, first: int | None = None) -> int | None:
    """Post, and like Meta try again (on a compressed schedule) while the URL fails or is unreachable.

    `first` is the status of an attempt already made by the caller.
    """
    status = first if first is not None else post_webhook(payload, url=url)
    for delay in RETRY_DELAYS:
        if delivered(status):
            break
        time.sleep(delay)
        status = post_webhook(payload, url=url)
    return status


def retry_in_background(payload: dict[str, Any], *, url: str, first: int | None) -> threading.Thread | None:
    """After a failed synchronous delivery, keep retrying in a background thread."""
    if delivered(first):
        return None
    thread = threading.Thread(
        target=post_until_delivered, args=(payload,), kwargs={"url": url, "first": first or 0}, daemon=True
    )
    thread.start()
    return thread


def run_step(step: Any, *, attempts: int = 8) -> None:
    """Run one background bookkeeping step, waiting out a busy database.

    The embedded SQLite database answers a write that meets another connection's open transaction with
    "database table is locked" at once (shared-cache locks ignore the busy timeout); such a step is tried
    again a few times, briefly. Any other failure is logged: a background step never kills the server thread.

    The thread's database connection is given back after the step: the thread sleeps between steps and
    keeps retrying a receiver that is down for a while, so hundreds of such threads holding a connection
    each would exhaust the database's connections. Only for background threads, never a request's.
    """
    try:
        for attempt in range(attempts):
            try:
                step()
                return
            except OperationalError:
                if attempt == attempts - 1:
                    logger.exception("sandbox background step failed: the database stayed busy")
                    return
                time.sleep(0.05 * (attempt + 1))
            except Exception:
                logger.exception("sandbox background step failed")
                return
    finally:
        connection.close()


def post_later(steps: list[tuple[float, dict[str, Any] | None, Any]], *, url: str = "") -> threading.Thread:
    """Deliver payloads one after another in the background, each after its delay in seconds.

    `steps` holds (delay, payload, after): `payload` (optional) is posted, then `after` (optional) runs.
    """
    url = url or settings.WEBHOOK_URL

    def run() -> None:
        for delay, payload, after in steps:
            time.sleep(delay)
            if payload is not None:
                post_until_delivered(payload, url=url)
            if after:
                run_step(after)  # gives the thread's connection back

    thread = threading.Thread(target=run, name="sandbox-webhooks", daemon=True)
    thread.start()
    return thread
