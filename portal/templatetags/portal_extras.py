"""Template filters of the portal: stored English machine words turned into the reader's language.

The rows keep what the pipeline wrote (English, stable for logs and the API); pages translate on display.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from whatsapp.models import QUALITY_LABELS

register = template.Library()

# Reasons the pipeline stores on a conversation (whatsapp.services.replies, ai.replies, ai.providers).
HANDOFF_REASONS = {
    "The customer asked for a person": _("The customer asked for a person"),
    "The assistant asked for a person": _("The assistant asked for a person"),
    "The customer sent an order": _("The customer sent an order"),
    "The assistant had no answer in the knowledge base": _("The assistant had no answer in the knowledge base"),
    "Monthly free messages used up": _("Monthly free messages used up"),
    "The customer wrote over 24 hours ago; only templates can be sent": _(
        "The customer wrote over 24 hours ago; only templates can be sent"
    ),
}
TAKEN_OVER_PREFIX = "Taken over by "

# Meta's words for a number's display name review (its quality: whatsapp.models.QUALITY_LABELS).
NAME_STATUS = {
    "APPROVED": _("approved"),
    "AVAILABLE_WITHOUT_REVIEW": _("usable while in review"),
    "PENDING_REVIEW": _("in review"),
    "DECLINED": _("declined"),
    "EXPIRED": _("expired"),
    "NONE": _("not reviewed"),
}


@register.filter
def handoff_reason(reason: str) -> str:
    """A stored handoff reason in the reader's language (unknown ones, such as a model's, as written)."""
    if not reason:
        return ""
    if reason.startswith(TAKEN_OVER_PREFIX):
        return gettext("Taken over by %(name)s") % {"name": reason[len(TAKEN_OVER_PREFIX) :]}
    return str(HANDOFF_REASONS.get(reason, reason))


@register.filter
def quality(rating: str) -> str:
    return str(QUALITY_LABELS.get((rating or "").upper(), rating or "—"))


@register.filter
def name_status(status: str) -> str:
    return str(NAME_STATUS.get((status or "").upper(), status or ""))


@register.simple_tag
def window_left(conversation) -> dict:
    """The 24-hour customer service window: {"open", "closes_at", "hours", "minutes", "soon"} for the thread.

    Computed at render time; the thread head is polled, so the time left stays current without a reload."""
    closes_at = conversation.window_closes_at()
    now = timezone.now()
    if closes_at is None or closes_at <= now:
        return {"open": False, "closes_at": closes_at}
    minutes = int((closes_at - now).total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    return {"open": True, "closes_at": closes_at, "hours": hours, "minutes": rest, "soon": minutes < 120}
