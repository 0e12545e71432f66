"""Who a pretend customer is, the way Meta names customers since the 2026 usernames rollout.

Every customer has a business-scoped user id (BSUID): the ISO country, a dot and 20 digits, one per business
portfolio and user (`CO.13491208655302741918`). A customer who adopted a username may hide their phone; then
webhooks carry only the BSUID and the username, and the business can reach them only with `recipient`.

The sandbox keys a customer by their phone digits when it has them, else by their BSUID (the `wa_id` column of
SandboxMessage and SandboxConversation holds that key). BSUIDs are derived, so the same customer of the same
portfolio always gets the same one and another portfolio gets another.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import phonenumbers

from sandbox.meta import digits
from sandbox.models import SandboxMessage, SandboxPhoneNumber

_BSUID = re.compile(r"^[A-Z]{2}\.[0-9]{20}$")
_USERNAME = re.compile(r"^[a-z0-9._]{3,35}$")
DEFAULT_COUNTRY = "CO"


def is_bsuid(value: str) -> bool:
    return bool(_BSUID.match(str(value or "")))


def portfolio_of(number: SandboxPhoneNumber) -> str:
    return number.account.business_id or number.account.waba_id


def country_of_phone(wa_id: str) -> str:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(f"+{wa_id}")) or DEFAULT_COUNTRY
    except phonenumbers.NumberParseException:
        return DEFAULT_COUNTRY


def bsuid_for(number: SandboxPhoneNumber, *, wa_id: str = "", username: str = "", country: str = "") -> str:
    """The customer's BSUID in this number's portfolio (stable: derived from the portfolio and the customer)."""
    region = (country or (country_of_phone(wa_id) if wa_id else "") or DEFAULT_COUNTRY).upper()[:2]
    seed = f"{portfolio_of(number)}:{wa_id or '@' + username}".encode()
    return f"{region}.{int(hashlib.sha256(seed).hexdigest(), 16) % 10**20:020d}"


@dataclass(frozen=True)
class Customer:
    """One pretend customer: `key` is the phone digits, or the BSUID when the phone is hidden."""

    user_id: str
    wa_id: str = ""
    username: str = ""

    @property
    def key(self) -> str:
        return self.wa_id or self.user_id

    def contact(self, profile_name: str = "") -> dict:
        """The `contacts[]` entry of a webhook about this customer."""
        profile: dict[str, str] = {}
        if profile_name or self.wa_id or self.username:
            profile["name"] = profile_name or (f"+{self.wa_id}" if self.wa_id else self.username)
        if self.username:
            profile["username"] = self.username
        entry: dict = {"profile": profile, "user_id": self.user_id}
        if self.wa_id:
            entry["wa_id"] = self.wa_id
        return entry


class UnknownCustomer(ValueError):
    pass


def clean_username(value: object) -> str:
    username = str(value or "").strip().lstrip("@").lower()
    if not _USERNAME.match(username):
        raise UnknownCustomer("`username` must be 3–35 characters: letters, digits, dots and underscores.")
    return username


def customer_with_phone(number: SandboxPhoneNumber, wa_id: str, *, username: str = "") -> Customer:
    return Customer(user_id=bsuid_for(number, wa_id=wa_id), wa_id=wa_id, username=username)


def customer_with_username(number: SandboxPhoneNumber, username: str, *, country: str = "") -> Customer:
    """A customer who hides their phone behind a username: known by BSUID only."""
    username = clean_username(username)
    return Customer(user_id=bsuid_for(number, username=username, country=country), username=username)


def customer_for_key(number: SandboxPhoneNumber, key: str) -> Customer:
    """The customer a stored key (phone digits or BSUID) names, with the username of their latest message."""
    latest = (
        SandboxMessage.objects.filter(
            phone_number_id=number.phone_number_id, wa_id=key, direction=SandboxMessage.Direction.IN
        )
        .order_by("-created_at", "-id")
        .first()
    )
    username = str((latest.body.get("_contact") or {}).get("username") or "") if latest else ""
    if is_bsuid(key):
        return Customer(user_id=key, username=username)
    return customer_with_phone(number, key, username=username)


def recipient_key(number: SandboxPhoneNumber, recipient: str) -> str:
    """The key of the customer a send's `recipient` (a BSUID) names; UnknownCustomer if none wrote with it."""
    if not is_bsuid(recipient):
        raise UnknownCustomer("recipient must be a business-scoped user id, such as CO.13491208655302741918")
    inbound = SandboxMessage.objects.filter(
        phone_number_id=number.phone_number_id, direction=SandboxMessage.Direction.IN
    )
    found = inbound.filter(body__from_user_id=recipient).values_list("wa_id", flat=True).first()
    if found is None:
        raise UnknownCustomer(f"{recipient} is not a user of this business")
    return found


def key_of(number: SandboxPhoneNumber, *, phone: object = "", username: object = "", country: object = "") -> str:
    """The stored key for the helper API's `from` (a phone) or `username` (a customer without phone)."""
    wa_id = digits(phone)
    if wa_id:
        return wa_id
    return customer_with_username(number, str(username or ""), country=str(country or "")).key
