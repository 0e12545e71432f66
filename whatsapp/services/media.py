"""Inbound media (photos, voice notes, videos, documents, stickers) downloaded from Meta into Django's storage.

Meta's webhook only names a media id, downloadable for 7 days with the number's own token (`GET /{media-id}`
gives a 5-minute URL that also wants the token). Each inbound media message gets its own task
(`whatsapp.download_media`), retried on transient trouble, so a slow download never holds up the reply path.
Files go to the default storage (local disk by default; any storage backend in production) under a path of the
client and the message's uuid, and are served only through the portal's scoped view.
"""

from __future__ import annotations

import logging
import mimetypes

from django.core.files.base import ContentFile

from whatsapp.client import GraphClient
from whatsapp.errors import PermanentGraphError
from whatsapp.models import Message
from whatsapp.payloads import as_object

logger = logging.getLogger(__name__)

MEDIA_KINDS = frozenset({"image", "audio", "video", "document", "sticker"})
MAX_BYTES = 100 * 1024 * 1024  # Meta's own ceiling for inbound media


def media_id_of(message: Message) -> str:
    return str(as_object(as_object(message.payload).get(message.kind)).get("id") or "")


def media_download(*, message_id: int) -> bool:
    """Fetch and store one inbound message's media; True when stored (now or before).

    Transient Graph errors propagate (the task retries); a permanent one (expired or unknown id) is logged
    and the message keeps its text only. Idempotent: a stored file is never fetched again.
    """
    message = (
        Message.objects.select_related("conversation__number")
        .filter(pk=message_id, direction=Message.Direction.INBOUND, kind__in=MEDIA_KINDS)
        .first()
    )
    if message is None:
        return False
    if message.media_file:
        return True
    media_id = media_id_of(message)
    if not media_id:
        return False
    try:
        content, mime = GraphClient.for_number(message.conversation.number).download_media(media_id)
    except PermanentGraphError as exc:
        logger.warning("media %s of message %s cannot be downloaded: %s", media_id, message.pk, exc)
        return False
    if not content or len(content) > MAX_BYTES:
        logger.warning("media %s of message %s is empty or too large (%d bytes)", media_id, message.pk, len(content))
        return False
    mime = (mime or "application/octet-stream").split(";")[0].strip()[:100]
    extension = mimetypes.guess_extension(mime) or ""
    name = f"{message.client_id}/{message.uuid}{extension}"
    message.media_file.save(name, ContentFile(content), save=False)
    Message.objects.filter(pk=message.pk, media_file="").update(media_file=message.media_file.name, media_mime=mime)
    return True
