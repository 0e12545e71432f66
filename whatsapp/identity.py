"""Who an end customer is, as Meta names them since the 2026 usernames rollout.

A customer may have a phone (`wa_id`), a business-scoped user id (BSUID, `user_id`, such as
`CO.13491208655302741918`: one per business portfolio and user, regenerated when the user changes
number), a parent BSUID (shared by linked portfolios, if enabled) and a username. Any of them may be
missing: a user who adopts a username can hide their phone, and then webhooks carry no `wa_id`/`from`.
Meta takes a phone in a send's `to` and a BSUID only in `recipient`.

Pure functions over webhook JSON; `whatsapp.services.contacts` stores what they read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from whatsapp.payloads import as_object

# Two-letter ISO country, a dot, then Meta's id (a parent BSUID has one more segment: `CO.ENT.…`).
_BSUID = re.compile(r"^[A-Z]{2}(\.[A-Za-z0-9]+)+$")


def is_bsuid(value: str) -> bool:
    """True for a business-scoped user id; phone numbers (digits, maybe a leading +) never match."""
    return bool(_BSUID.match(str(value or "")))


def bsuid_country(user_id: str) -> str:
    """The ISO 3166 alpha-2 country a BSUID starts with ("CO" for `CO.1349…`), else ""."""
    return str(user_id)[:2] if is_bsuid(user_id) else ""


@dataclass(frozen=True)
class CustomerIdentity:
    """Whatever a webhook says about one customer; every part may be empty, but not all of them."""

    wa_id: str = ""
    user_id: str = ""
    parent_user_id: str = ""
    username: str = ""
    profile_name: str = ""

    @property
    def key(self) -> str:
        """The id webhooks and sends address this customer by: the phone if known, else the BSUID."""
        return self.wa_id or self.user_id

    def __bool__(self) -> bool:
        return bool(self.wa_id or self.user_id)


def _digits(value: Any) -> str:
    return "".join(ch for ch in str(value or "") if ch.isdigit())


def identity_from_contact(contact: dict[str, Any] | None) -> CustomerIdentity:
    """One `contacts[]` object of a messages or statuses change."""
    contact = as_object(contact)
    profile = as_object(contact.get("profile"))
    return CustomerIdentity(
        wa_id=_digits(contact.get("wa_id"))[:32],
        user_id=str(contact.get("user_id") or "")[:128],
        parent_user_id=str(contact.get("parent_user_id") or "")[:128],
        username=str(profile.get("username") or "").lstrip("@")[:64],
        profile_name=str(profile.get("name") or "")[:200],
    )


def identity_from_inbound(message: dict[str, Any], contact: dict[str, Any] | None = None) -> CustomerIdentity:
    """The sender of an inbound `messages[]` item, completed from its `contacts[]` entry when there is one."""
    known = identity_from_contact(contact)
    return CustomerIdentity(
        wa_id=_digits(message.get("from"))[:32] or known.wa_id,
        user_id=str(message.get("from_user_id") or "")[:128] or known.user_id,
        parent_user_id=known.parent_user_id,
        username=known.username,
        profile_name=known.profile_name,
    )


def contacts_by_key(contacts: Any) -> dict[str, dict[str, Any]]:
    """`contacts[]` of a change indexed by phone and by BSUID, so a message or status finds its sender."""
    found: dict[str, dict[str, Any]] = {}
    for contact in contacts if isinstance(contacts, list) else []:
        if not isinstance(contact, dict):
            continue
        for key in (_digits(contact.get("wa_id")), str(contact.get("user_id") or "")):
            if key:
                found.setdefault(key, contact)
    return found


def sender_key(message: dict[str, Any]) -> str:
    """The key `contacts_by_key` knows the sender of an inbound message by."""
    return _digits(message.get("from")) or str(message.get("from_user_id") or "")


def recipient_key(status: dict[str, Any]) -> str:
    """The key `contacts_by_key` knows the recipient of a status by."""
    return _digits(status.get("recipient_id")) or str(status.get("recipient_user_id") or "")


def send_address(to: str) -> dict[str, str]:
    """The addressing part of a send: a phone goes in `to` (with its +), a BSUID in `recipient`."""
    to = str(to or "").strip()
    if is_bsuid(to):
        return {"recipient": to}
    digits = _digits(to)
    return {"to": f"+{digits}" if digits else to}
