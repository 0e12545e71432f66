"""Meta's `account_alerts` webhook: what Meta tells a WABA's app about its portfolio and numbers.

Meta raises these on its own schedule (a messaging-limit increase deferred, refused or needing information, an
official business badge granted or refused, a profile photo removed); the sandbox raises one when asked
(`POST /sandbox/api/account-alerts`, docs/sandbox.md), to the app's URL, signed, and retried like every delivery.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings

from sandbox.delivery import post_webhook, retry_in_background
from sandbox.meta import account_envelope
from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber

# Meta's alert types with the severity and the description Meta sends with each.
ALERTS = {
    "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED": (
        "WARNING",
        "Limits cannot be increased for your business {name}. Use WhatsApp Business platform actively for several "
        "days and follow our messaging policies.",
    ),
    "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED": (
        "CRITICAL",
        "Based on your activity, limits cannot be increased for your business. Contact support for more information.",
    ),
    "INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO": (
        "WARNING",
        "Additional verification is required for your business {name}. Go to Security Center in Meta for Business "
        "to complete identity verification.",
    ),
    "OBA_APPROVED": (
        "INFORMATIONAL",
        "This phone number now has a green badge next to its name showing that it's an authentic and notable "
        "business account.",
    ),
    "OBA_REJECTED": (
        "CRITICAL",
        "We do not grant official business accounts to individuals. Your display name must be directly associated "
        "with your business. Edit the display name and submit a new request.",
    ),
    "PROFILE_PICTURE_LOST": ("WARNING", "Please reupload your profile picture"),
}
# Alerts about one number name it; the others name the business portfolio.
NUMBER_ALERTS = {"OBA_APPROVED", "OBA_REJECTED", "PROFILE_PICTURE_LOST"}
SEVERITIES = ("CRITICAL", "WARNING", "INFORMATIONAL")
STATUSES = ("ACTIVE", "NONE")
TYPE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,79}$")


class InvalidAlert(ValueError):
    pass


def alert_payload(
    *,
    account: SandboxBusinessAccount,
    number: SandboxPhoneNumber | None,
    alert_type: str,
    status: str = "ACTIVE",
    severity: str = "",
    description: str = "",
) -> dict[str, Any]:
    """The webhook as Meta posts it: entry id the WABA, `entity_type` PHONE_NUMBER (the number's id) or BUSINESS
    (the portfolio's id), and `alert_info`. Any upper-case type is accepted, to play one Meta adds later."""
    alert_type, status, severity = alert_type.strip().upper(), (status or "ACTIVE").upper(), severity.upper()
    if not TYPE_RE.match(alert_type):
        raise InvalidAlert("`alert_type` must be one of Meta's alert types, e.g. OBA_APPROVED.")
    if status not in STATUSES:
        raise InvalidAlert("`alert_status` must be ACTIVE or NONE.")
    if severity and severity not in SEVERITIES:
        raise InvalidAlert("`alert_severity` must be CRITICAL, WARNING or INFORMATIONAL.")
    default_severity, default_description = ALERTS.get(alert_type, ("WARNING", "An alert about your account."))
    if alert_type in NUMBER_ALERTS and number is None:
        raise InvalidAlert(f"{alert_type} is about a number: give `phone_number_id`.")
    entity = (
        {"entity_type": "PHONE_NUMBER", "entity_id": number.phone_number_id}
        if number is not None
        else {"entity_type": "BUSINESS", "entity_id": account.business_id or account.waba_id}
    )
    info = {
        "alert_severity": severity or default_severity,
        "alert_status": status,
        "alert_type": alert_type,
        "alert_description": (description or default_description.format(name=account.name))[:1000],
    }
    return account_envelope(account.waba_id, "account_alerts", {**entity, "alert_info": info})


def raise_alert(**kwargs: Any) -> int | None:
    """Post the alert to the app's URL (never a number's override: not a messages field); Meta-like retries in
    the background. Returns the product's HTTP status of the first attempt (None: it did not answer)."""
    payload = alert_payload(**kwargs)
    url = settings.WEBHOOK_URL
    status = post_webhook(payload, url=url)
    retry_in_background(payload, url=url, first=status)
    return status
