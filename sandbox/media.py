"""Media the product uploads (POST /{pnid}/media) and media customers send, served by id."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.core import signing

from sandbox.meta import MetaError, new_numeric_id
from sandbox.models import SandboxMedia, SandboxPhoneNumber

MB = 1024 * 1024
# Meta's accepted types and their size limits (docs/meta-facts.md, Limits).
SIZE_LIMITS = {
    "image/jpeg": 5 * MB,
    "image/png": 5 * MB,
    "image/webp": 500 * 1024,
    "audio/aac": 16 * MB,
    "audio/amr": 16 * MB,
    "audio/mpeg": 16 * MB,
    "audio/mp4": 16 * MB,
    "audio/ogg": 16 * MB,
    "video/mp4": 16 * MB,
    "video/3gpp": 16 * MB,
    "text/plain": 100 * MB,
    "application/pdf": 100 * MB,
    "application/msword": 100 * MB,
    "application/vnd.ms-excel": 100 * MB,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": 100 * MB,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": 100 * MB,
}
URL_TTL_SECONDS = 300  # Meta's media URLs live 5 minutes
_signer = signing.TimestampSigner(salt="sandbox.media-url")
KIND_PREFIX = {"image": "image/", "audio": "audio/", "video": "video/", "sticker": "image/webp"}

# A 1×1 green PNG: what a pretend customer's photo looks like when no bytes are given.
PLACEHOLDER_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def store(*, number: SandboxPhoneNumber, content: bytes, mime_type: str, filename: str = "") -> SandboxMedia:
    mime_type = mime_type.split(";")[0].strip().lower()
    limit = SIZE_LIMITS.get(mime_type)
    if limit is None:
        raise MetaError(131053, f"Unsupported media type {mime_type or '(none)'}")
    if not content:
        raise MetaError(131053, "The file is empty")
    if len(content) > limit:
        raise MetaError(131053, f"{mime_type} files may be at most {limit // MB or 0.5} MB")
    return SandboxMedia.objects.create(
        media_id=new_numeric_id(16),
        account=number.account,
        phone_number_id=number.phone_number_id,
        mime_type=mime_type,
        sha256=hashlib.sha256(content).hexdigest(),
        filename=filename[:255],
        content=content,
    )


def url_token(media_id: str) -> str:
    return _signer.sign(media_id).split(":", 1)[1]


def url_token_valid(token: str, media_id: str) -> bool:
    try:
        return _signer.unsign(f"{media_id}:{token}", max_age=URL_TTL_SECONDS) == media_id
    except signing.BadSignature:
        return False


def describe(item: SandboxMedia, *, url: str) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "url": url,
        "mime_type": item.mime_type,
        "sha256": item.sha256,
        "file_size": item.file_size,
        "id": item.media_id,
    }


def check_media_object(*, number: SandboxPhoneNumber, kind: str, obj: dict[str, Any]) -> None:
    """A media send names an uploaded id of this account or an http(s) link, not both."""
    media_id, link = obj.get("id"), obj.get("link")
    if bool(media_id) == bool(link):
        raise MetaError(100, f"{kind} must have exactly one of id or link")
    if link and not str(link).startswith(("http://", "https://")):
        raise MetaError(100, f"{kind}.link must be an http(s) URL")
    if media_id:
        item = SandboxMedia.objects.filter(media_id=str(media_id), account=number.account).first()
        if item is None:
            raise MetaError(100, f"No media with id {media_id} on this account")
        prefix = KIND_PREFIX.get(kind)
        if prefix and not item.mime_type.startswith(prefix):
            raise MetaError(131053, f"Media {media_id} is {item.mime_type}, which cannot be sent as {kind}")
