"""Helpers shared by the tests that drive real processes: wait for something, play the customer, read the outbox."""

from __future__ import annotations

import time

import requests

CUSTOMER = "+573001112233"


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.1):
    """Poll `predicate` until it returns something truthy (or the time is up); returns its last value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def customer_writes(base_url: str, number, text: str, *, sender: str = CUSTOMER, profile_name: str = "Ana") -> str:
    """The customer `sender` writes `text` to `number` through the sandbox; returns the inbound wamid."""
    response = requests.post(
        f"{base_url}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": sender, "text": text, "profile_name": profile_name},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert response.json()["webhook_status"] == 200
    return response.json()["wamid"]


def sent_to(base_url: str, number, to: str = CUSTOMER) -> list[dict]:
    """What the product sent from `number` to `to` through the sandbox's Graph API."""
    response = requests.get(
        f"{base_url}/sandbox/api/messages", params={"phone_number_id": number.phone_number_id, "to": to}, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()["results"]
