"""What Meta's account alerts mean and what to do next, in the words of a shop owner (and of the operator).

`tenants.models.AccountAlert` keeps what Meta said (`account_alerts`, and the `account_update` events someone must
act on); the client's home and numbers pages and the operator's dashboard show each standing alert with these.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tenants.models import AccountAlert

TITLES = {
    "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED": _("Meta has not raised the messaging limit yet"),
    "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED": _("Meta will not raise the messaging limit"),
    "INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO": _("Meta needs more information to raise the messaging limit"),
    "OBA_APPROVED": _("The number has the official business badge"),
    "OBA_REJECTED": _("Meta refused the official business badge"),
    "PROFILE_PICTURE_LOST": _("The number's profile photo was removed"),
    "ACCOUNT_RESTRICTION": _("Meta restricted the WhatsApp account"),
    "ACCOUNT_VIOLATION": _("Meta found a policy violation on the WhatsApp account"),
    "DISABLED_UPDATE": _("Meta disabled the WhatsApp account"),
}
NEXT_STEPS = {
    "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED": _(
        "Keep writing to customers who expect your messages for a few days, and verify the business in Meta "
        "Business Suite (Security Center)."
    ),
    "INCREASED_CAPABILITIES_ELIGIBILITY_FAILED": _(
        "Past messaging activity stands in the way: verify the business in Meta Business Suite and follow "
        "WhatsApp's messaging policies before asking again."
    ),
    "INCREASED_CAPABILITIES_ELIGIBILITY_NEED_MORE_INFO": _(
        "Complete the identity verification in Meta Business Suite's Security Center."
    ),
    "OBA_APPROVED": _("Nothing to do. A complete business profile makes customers trust it even more."),
    "OBA_REJECTED": _("Make the display name match the business's own name, then ask for the badge again."),
    "PROFILE_PICTURE_LOST": _("Upload a new profile photo for the number in WhatsApp Manager."),
    "ACCOUNT_RESTRICTION": _(
        "Some messages cannot be sent until the restriction ends. Send only messages customers expect and check "
        "the account quality in WhatsApp Manager."
    ),
    "ACCOUNT_VIOLATION": _(
        "Read the violation on WhatsApp Manager's account quality page and appeal there if it is a mistake."
    ),
    "DISABLED_UPDATE": _("No message can be sent. Appeal on WhatsApp Manager's account quality page."),
}
UNKNOWN_STEP = _("Read Meta's description below; if the next step is not clear, contact us.")


@dataclass(frozen=True)
class ShownAlert:
    """One standing alert as a page shows it."""

    alert: AccountAlert
    title: str
    next_step: str
    hosted: bool
    critical: bool


def alert_shown(alert: AccountAlert) -> ShownAlert:
    """The alert with its plain-language title and next step (an unknown alert type keeps Meta's own name)."""
    hosted = alert.waba_id == settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    return ShownAlert(
        alert=alert,
        title=str(TITLES.get(alert.alert_type, alert.alert_type.replace("_", " ").capitalize())),
        next_step=str(NEXT_STEPS.get(alert.alert_type, UNKNOWN_STEP)),
        hosted=hosted,
        critical=alert.severity == AccountAlert.Severity.CRITICAL,
    )


def alerts_shown(alerts: list[AccountAlert]) -> list[ShownAlert]:
    return [alert_shown(alert) for alert in alerts]
