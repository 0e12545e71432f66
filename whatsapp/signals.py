"""Signals other apps may listen to. Business logic never hangs off them; observers do.

Every signal is sent inside the transaction that made the change: an observer that starts work
outside the database (a task, an HTTP call) does it from `transaction.on_commit`. Receivers must be
cheap — these are sent on the message hot path.
"""

from django.dispatch import Signal

# Sent inside the webhook's transaction after an inbound message was stored for the first time,
# with `number` (WhatsAppNumber), `wa_id` (str: the customer's phone, else BSUID), `sent_at` (the
# customer's timestamp) and `message` (the Message just stored).
inbound_message_recorded = Signal()

# Sent when Meta accepted an outbound message (status sent, wamid stored), with `message` (Message,
# its conversation, number and client loaded).
outbound_message_sent = Signal()

# Sent after delivery statuses were applied, with `statuses`: a list of (client_id, message_id,
# status, timestamp) for each status Meta sent that found its message (a batch sends one signal).
message_statuses_applied = Signal()

# Sent when a conversation moved from the AI to people, with `conversation` and `reason` (str):
# `hand_off` (the AI asked, quota, window) or `take_over` (a person took it, `user` also given).
conversation_handed_off = Signal()
conversation_taken_over = Signal()

# Sent when a customer's request (booking, order, call back) was recorded, with `request` (CustomerRequest),
# and when people moved it to another status, with `request` and `previous` (str: the status it had).
customer_request_recorded = Signal()
customer_request_status_changed = Signal()
