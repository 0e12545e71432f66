"""The events an integrator may subscribe an endpoint to. Their names are a contract (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGE_RECEIVED = "message.received"
MESSAGE_SENT = "message.sent"
MESSAGE_STATUS = "message.status"
CONVERSATION_HANDOFF = "conversation.handoff"
CONVERSATION_TAKEN_OVER = "conversation.taken_over"
USAGE_THRESHOLD = "usage.threshold"

EVENT_CHOICES = [
    (MESSAGE_RECEIVED, _("A customer's message arrived")),
    (MESSAGE_SENT, _("WhatsApp accepted a message we sent")),
    (MESSAGE_STATUS, _("A sent message was delivered, read or failed")),
    (CONVERSATION_HANDOFF, _("The assistant handed a conversation to people")),
    (CONVERSATION_TAKEN_OVER, _("A person took a conversation over")),
    (USAGE_THRESHOLD, _("A number used 80 % or 100 % of its free messages")),
]
EVENTS = frozenset(name for name, _label in EVENT_CHOICES)
