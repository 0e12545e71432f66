"""Debounce with the real timing: gunicorn + a Celery worker on Redis, countdown = AI_REPLY_QUIET_SECONDS (0.5 s).

Three customer messages posted at once are one burst (one reply, to the last); a message after
a pause is a new burst with its own reply.
"""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from ai.models import AiReplyLog
from tests.ai.support import load_faq
from tests.factories import connected_number
from tests.support import customer_writes, wait_for
from whatsapp.models import Message

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def delivered(base, number):
    return requests.get(
        f"{base}/sandbox/api/messages",
        params={"phone_number_id": number.phone_number_id, "to": "+573001112233"},
        timeout=5,
    ).json()["results"]


def test_a_burst_gets_one_reply_and_a_later_message_its_own(stack):
    number = connected_number()
    load_faq(number.client)

    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda t: customer_writes(stack, number, t), ["Hola", "una pregunta", "¿tienen parqueadero?"]))

    first = wait_for(lambda: delivered(stack, number), timeout=30)
    time.sleep(2)  # four quiet periods: any extra reply to the burst would have been sent by now
    assert len(delivered(stack, number)) == 1
    [reply] = Message.objects.filter(direction="out")
    assert reply.reply_to_id == Message.objects.filter(direction="in").latest("pk").pk
    assert reply.wamid == first[0]["wamid"]
    assert "parqueadero gratis" in reply.text  # whichever came last, the burst's question was answered

    customer_writes(stack, number, "¿atienden niños?")
    wait_for(lambda: len(delivered(stack, number)) == 2, timeout=30)
    assert "odontopediatra" in Message.objects.filter(direction="out").latest("pk").text
    # Two replies logged; a run that drafted while the burst was still arriving logs its discarded draft too.
    logs = AiReplyLog.objects.filter(client=number.client)
    assert logs.exclude(message=None).count() == 2
    assert all("discarded" in log.error for log in logs.filter(message=None))
