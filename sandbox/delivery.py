"""Post signed webhooks to WEBHOOK_URL over real HTTP, the way Meta's servers do."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import requests
from django.conf import settings
from django.db import connection

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


def post_later(steps: list[tuple[float, dict[str, Any] | None, Any]], *, url: str = "") -> threading.Thread:
    """Deliver payloads one after another in the background, each after its delay in seconds.

    `steps` holds (delay, payload, after): `payload` (optional) is posted, then `after` (optional) runs.
    """
    url = url or settings.WEBHOOK_URL

    def run() -> None:
        try:
            for delay, payload, after in steps:
                time.sleep(delay)
                if payload is not None:
                    post_until_delivered(payload, url=url)
                if after:
                    try:
                        after()
                    except Exception:  # a background step must never kill the server thread
                        logger.exception("sandbox background step failed")
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="sandbox-webhooks", daemon=True)
    thread.start()
    return thread
