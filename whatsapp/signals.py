"""Signals other apps may listen to. Business logic never hangs off them; observers do."""

from django.dispatch import Signal

# Sent inside the webhook's transaction after an inbound message was stored for the first time,
# with `number` (WhatsAppNumber), `wa_id` (str: the customer's phone, else BSUID) and `sent_at` (the
# customer's timestamp).
inbound_message_recorded = Signal()
