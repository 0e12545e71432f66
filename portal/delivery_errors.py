"""Why a message failed, in the words of a shop owner, from Meta's error code (docs/meta-facts.md lists the codes).

Agents see this next to a failed message in the inbox; Meta's own title stays available as a tooltip.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

REASONS = {
    "131047": _("More than 24 hours passed since the customer's last message. Send an approved template instead."),
    "131026": _(
        "WhatsApp could not deliver it: the customer may not use WhatsApp, may have blocked you or has an old app."
    ),
    "131049": _("WhatsApp limits how many marketing messages one person gets. Try again tomorrow."),
    "131050": _("The customer chose not to receive marketing messages from you."),
    "131042": _("There is a payment problem with the WhatsApp account. Add or fix the payment method."),
    "131031": _("The WhatsApp account is locked. Contact us."),
    "368": _("WhatsApp blocked this account for a policy issue. Contact us."),
    "131048": _("WhatsApp is limiting this number because of spam reports or low quality. Send fewer messages."),
    "130429": _("Too many messages at once. It will be retried; if not, send it again in a minute."),
    "131056": _("Too many messages to this customer in a short time. Wait a few seconds and try again."),
    "131051": _("WhatsApp does not support this kind of message."),
    "131052": _("The customer's file could not be downloaded."),
    "131053": _("The file could not be sent: check its type and size."),
    "131030": _("This test number may only write to its allowed recipients."),
    "131037": _("The number has no approved display name yet."),
    "131045": _("The number must be registered again. Contact us."),
    "131000": _("WhatsApp had a problem. Try again in a minute."),
    "131016": _("WhatsApp is not available right now. Try again in a minute."),
    "131057": _("WhatsApp is under maintenance for this account. Try again in a few minutes."),
    "190": _("WhatsApp no longer accepts our connection to this number. It must be reconnected."),
    "100": _("WhatsApp rejected the message as written. Check it and try again."),
    "131008": _("A required part of the message is missing."),
    "131009": _("A part of the message is not valid."),
    "132000": _("The template needs a different number of parameters."),
    "132001": _("That template does not exist or is not approved in that language."),
    "132005": _("The template text is too long once filled in."),
    "132007": _("The template breaks WhatsApp's content rules."),
    "132012": _("A template parameter has the wrong format."),
    "132015": _("That template is paused for low quality. Use another one."),
    "132016": _("That template was disabled by WhatsApp. Use another one."),
    "send_interrupted": _("Sending was interrupted: WhatsApp may not have received it. Check before sending again."),
}
TEMPLATE_PROBLEM = _("There is a problem with the template. Check its name, language and parameters.")
UNKNOWN = _("WhatsApp did not deliver this message.")


def failure_reason(code: str) -> str:
    """The plain-language reason for Meta's error `code` (any other 1320xx is a template problem)."""
    code = (code or "").strip()
    if code in REASONS:
        return str(REASONS[code])
    if code.startswith("1320"):
        return str(TEMPLATE_PROBLEM)
    return str(UNKNOWN)
