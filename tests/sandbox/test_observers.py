"""The sandbox learns of customer messages that reached the product without passing through it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sandbox.models import SandboxConversation
from sandbox.observers import customer_wrote

pytestmark = pytest.mark.django_db


def test_a_message_opens_the_window_and_only_a_later_one_moves_it(number):
    now = timezone.now()
    customer_wrote(None, number=number, wa_id="573001112233", sent_at=now - timedelta(minutes=5))
    [window] = SandboxConversation.objects.filter(phone_number_id=number.phone_number_id, wa_id="573001112233")
    assert window.last_inbound_at == now - timedelta(minutes=5)

    customer_wrote(None, number=number, wa_id="573001112233", sent_at=now - timedelta(minutes=9))  # out of order
    window.refresh_from_db()
    assert window.last_inbound_at == now - timedelta(minutes=5), "never moved back"

    customer_wrote(None, number=number, wa_id="573001112233", sent_at=now)
    window.refresh_from_db()
    assert window.last_inbound_at == now
    customer_wrote(None, number=number, wa_id="573009998877", sent_at=now - timedelta(days=2))  # replayed, old
    assert SandboxConversation.objects.count() == 1
