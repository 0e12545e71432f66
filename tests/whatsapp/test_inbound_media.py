"""Inbound media: downloaded by its own task with the number's token into Django's storage, and shown in the
inbox to the client's own people only."""

from __future__ import annotations

import base64

import pytest
import requests

from sandbox.media import PLACEHOLDER_PNG
from tests.factories import MembershipFactory
from tests.sandbox.conftest import live_db
from whatsapp.models import Message
from whatsapp.services.media import media_download


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@live_db
def test_a_customers_photo_is_downloaded_with_the_numbers_token_into_storage(sandbox_live, number):
    photo = base64.b64encode(PLACEHOLDER_PNG).decode()
    sent = requests.post(
        f"{sandbox_live}/sandbox/api/inbound",
        json={
            "phone_number_id": number.phone_number_id,
            "from": "+573001112233",
            "type": "image",
            "image": {"data_base64": photo, "mime_type": "image/png", "caption": "La vitrina"},
        },
        timeout=10,
    )
    assert sent.status_code == 200, sent.text
    message = Message.objects.get(direction="in", kind="image")
    assert message.media_file and message.media_mime == "image/png"  # the task ran on commit (eager here)
    with message.media_file.open("rb") as stored:
        assert stored.read() == PLACEHOLDER_PNG
    assert media_download(message_id=message.pk) is True  # idempotent: nothing fetched again


@pytest.mark.django_db
def test_the_inbox_shows_the_photo_to_the_clients_people_only(number, client):
    from django.core.files.base import ContentFile

    from tests.factories import ConversationFactory, MessageFactory

    message = MessageFactory(conversation=ConversationFactory(number=number), kind="image", text="La vitrina")
    message.media_file.save(f"{number.client_id}/{message.uuid}.png", ContentFile(PLACEHOLDER_PNG), save=False)
    Message.objects.filter(pk=message.pk).update(media_file=message.media_file.name, media_mime="image/png")

    client.force_login(MembershipFactory(client=number.client).user)
    page = client.get(f"/app/inbox/{message.conversation_id}/").content.decode()
    assert f"/app/inbox/media/{message.pk}/" in page and "<img" in page
    served = client.get(f"/app/inbox/media/{message.pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PLACEHOLDER_PNG
    assert served["X-Content-Type-Options"] == "nosniff"

    client.force_login(MembershipFactory().user)  # someone of another client
    assert client.get(f"/app/inbox/media/{message.pk}/").status_code == 404
