"""The events an integrator may subscribe an endpoint to. Their names are a contract (docs/api.md)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

MESSAGE_RECEIVED = "message.received"
MESSAGE_SENT = "message.sent"
MESSAGE_STATUS = "message.status"
CONVERSATION_HANDOFF = "conversation.handoff"
CONVERSATION_TAKEN_OVER = "conversation.taken_over"
USAGE_THRESHOLD = "usage.threshold"
REQUEST_CREATED = "request.created"
REQUEST_STATUS = "request.status"

EVENT_CHOICES = [
    (MESSAGE_RECEIVED, _("A customer's message arrived")),
    (MESSAGE_SENT, _("WhatsApp accepted a message we sent")),
    (MESSAGE_STATUS, _("A sent message was delivered, read or failed")),
    (CONVERSATION_HANDOFF, _("The assistant handed a conversation to people")),
    (CONVERSATION_TAKEN_OVER, _("A person took a conversation over")),
    (USAGE_THRESHOLD, _("A number used 80 % or 100 % of its free messages")),
    (REQUEST_CREATED, _("A customer made a request (booking, order, call back)")),
    (REQUEST_STATUS, _("A request was confirmed, done or cancelled")),
]
EVENTS = frozenset(name for name, _label in EVENT_CHOICES)
