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


def customer_sends(base_url: str, number, kind: str, content: bytes, mime_type: str, **extra) -> dict:
    media = {"data_base64": base64.b64encode(content).decode(), "mime_type": mime_type, **extra}
    sent = requests.post(
        f"{base_url}/sandbox/api/inbound",
        json={"phone_number_id": number.phone_number_id, "from": "+573001112233", "type": kind, kind: media},
        timeout=10,
    )
    assert sent.status_code == 200, sent.text
    return sent.json()


OTHER_MEDIA = [
    ("audio", b"OggS\x00\x02 a voice note", "audio/ogg", {}),
    ("video", b"\x00\x00\x00\x18ftypmp42 a video", "video/mp4", {"caption": "El pedido"}),
    ("document", b"%PDF-1.4 la factura", "application/pdf", {"filename": "factura.pdf"}),
    ("sticker", b"RIFF\x1a\x00\x00\x00WEBPVP8 a sticker", "image/webp", {}),
]


@live_db
@pytest.mark.parametrize("kind, content, mime_type, extra", OTHER_MEDIA, ids=[m[0] for m in OTHER_MEDIA])
def test_voice_notes_videos_documents_and_stickers_are_downloaded_into_storage(
    sandbox_live, number, kind, content, mime_type, extra
):
    customer_sends(sandbox_live, number, kind, content, mime_type, **extra)
    message = Message.objects.get(direction="in", kind=kind)
    assert message.media_file and message.media_mime == mime_type  # the task ran on commit (eager here)
    assert f"/{number.client_id}/{message.uuid}" in f"/{message.media_file.name}"  # per client, never guessed
    with message.media_file.open("rb") as stored:
        assert stored.read() == content
    if extra.get("caption"):
        assert message.text == extra["caption"]


@live_db
def test_the_download_task_retries_a_transient_failure_and_gives_up_on_a_permanent_one(sandbox_live, number, settings):
    from sandbox.models import SandboxFault
    from whatsapp.tasks import download_media

    settings.WHATSAPP_RETRY_BACKOFF_MAX = 1
    customer_sends(sandbox_live, number, "audio", b"OggS\x00\x02 hola", "audio/ogg")
    message = Message.objects.get(direction="in", kind="audio")
    message.media_file.delete(save=False)
    Message.objects.filter(pk=message.pk).update(media_file="", media_mime="")

    # Meta's "something went wrong" twice (GET /{media-id} is the call it hits), then the file comes.
    fault = requests.post(f"{sandbox_live}/sandbox/api/faults", json={"fail_next": 2, "error_code": 131000}, timeout=10)
    assert fault.status_code == 201, fault.text
    download_media.delay(message.pk)
    message.refresh_from_db()
    assert not SandboxFault.objects.exists()  # both failures were met, and retried
    with message.media_file.open("rb") as stored:
        assert stored.read() == b"OggS\x00\x02 hola"

    message.media_file.delete(save=False)
    Message.objects.filter(pk=message.pk).update(media_file="", media_mime="")
    gone = {"fail_next": 3, "error_code": 100, "http_status": 400}
    gone = requests.post(f"{sandbox_live}/sandbox/api/faults", json=gone, timeout=10)
    assert gone.status_code == 201, gone.text
    download_media.delay(message.pk)  # an expired or unknown media id: asked once, never again
    message.refresh_from_db()
    assert not message.media_file and SandboxFault.objects.get().remaining == 2

    SandboxFault.objects.all().delete()
    down = {"fail_next": 20, "error_code": 131000}  # Meta down for longer than the retries last
    assert requests.post(f"{sandbox_live}/sandbox/api/faults", json=down, timeout=10).status_code == 201
    assert download_media.delay(message.pk).get() is False  # gives up quietly after its retries
    message.refresh_from_db()
    assert not message.media_file and SandboxFault.objects.get().remaining == 20 - (download_media.max_retries + 1)


SHOWN = [
    ("image", "image/png", ".png", PLACEHOLDER_PNG, r'<img src="{url}"', "inline"),
    ("sticker", "image/webp", ".webp", b"RIFF\x1a\x00\x00\x00WEBPVP8 a sticker", r'<img src="{url}"', "inline"),
    ("audio", "audio/ogg", ".oga", b"OggS\x00\x02 a voice note", r'<audio controls[^>]* src="{url}"', "inline"),
    ("video", "video/mp4", ".mp4", b"\x00\x00\x00\x18ftypmp42", r'<video controls[^>]* src="{url}"', "inline"),
    ("document", "application/pdf", ".pdf", b"%PDF-1.4 factura", r'<a href="{url}" class="button', "attachment"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("kind, mime, extension, content, element, disposition", SHOWN, ids=[m[0] for m in SHOWN])
def test_the_inbox_shows_and_plays_media_to_the_clients_people_only(
    number, client, kind, mime, extension, content, element, disposition
):
    import re

    from django.core.files.base import ContentFile

    from tests.factories import ConversationFactory, MessageFactory

    message = MessageFactory(conversation=ConversationFactory(number=number), kind=kind, text="Mira")
    message.media_file.save(f"{number.client_id}/{message.uuid}{extension}", ContentFile(content), save=False)
    Message.objects.filter(pk=message.pk).update(media_file=message.media_file.name, media_mime=mime)
    url = f"/app/inbox/media/{message.pk}/"

    client.force_login(MembershipFactory(client=number.client).user)
    page = client.get(f"/app/inbox/{message.conversation_id}/").content.decode()
    assert re.search(element.format(url=re.escape(url)), page), page[page.find('class="media"') - 200 :][:600]
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == mime
    assert b"".join(served.streaming_content) == content
    assert served["X-Content-Type-Options"] == "nosniff"
    assert served["Content-Disposition"].startswith(disposition)
    if disposition == "attachment":  # saved under a name the phone can open
        assert served["Content-Disposition"].endswith(f'filename="{message.uuid}{extension}"')

    client.force_login(MembershipFactory().user)  # someone of another client
    assert client.get(url).status_code == 404
    assert client.get(f"/app/inbox/{message.conversation_id}/").status_code == 404
