"""The sandbox plays Meta, so it learns of every customer message the product receives.

A signed webhook may reach the product without passing through `/sandbox/api/inbound` (the
README's curl, an acceptance test, a replayed capture). Had Meta delivered it, Meta would know the
customer wrote and would accept free-form replies for 24 hours; the sandbox must agree, or it
would refuse the reply with 131047 where Meta would not.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from sandbox.models import SandboxConversation
from whatsapp.signals import inbound_message_recorded

WINDOW = timedelta(hours=24)


def customer_wrote(sender, *, number, wa_id: str, sent_at: datetime, **kwargs) -> None:
    if not settings.WHATSAPP_SANDBOX or not wa_id or not number.phone_number_id:
        return
    if sent_at <= timezone.now() - WINDOW:
        return  # a replayed old message opens nothing
    earlier = Q(last_inbound_at__lt=sent_at) | Q(last_inbound_at__isnull=True)
    updated = SandboxConversation.objects.filter(earlier, phone_number_id=number.phone_number_id, wa_id=wa_id).update(
        last_inbound_at=sent_at
    )
    if not updated:
        SandboxConversation.objects.get_or_create(
            phone_number_id=number.phone_number_id, wa_id=wa_id, defaults={"last_inbound_at": sent_at}
        )


def connect() -> None:
    inbound_message_recorded.connect(customer_wrote, dispatch_uid="sandbox.customer_wrote")
