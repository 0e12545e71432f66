"""Writing the audit trail: `audit_record` is the one-line hook every app calls where an action happens.

It is below `tenants` in the layers, so it takes rows it is given and never imports higher apps. The actor
comes from the request being served (`audit.context`), else it is the system; an explicit `actor` wins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit.context import current_request
from audit.models import AuditEntry
from core.client_ip import client_ip

logger = logging.getLogger(__name__)

Kind = AuditEntry.ActorKind


def _actor_fields(actor: Any) -> dict[str, Any]:
    """Who `actor` is: an API-key caller (has `.api_key`), a signed-in user or the operator, else the system."""
    api_key = getattr(actor, "api_key", None)
    if api_key is not None:
        return {"actor_kind": Kind.API_KEY, "actor_api_key_id": api_key.pk, "actor_label": f"api-key:{api_key.prefix}"}
    if actor is not None and getattr(actor, "is_authenticated", False) and getattr(actor, "pk", None):
        kind = Kind.OPERATOR if actor.is_staff else Kind.USER
        label = getattr(actor, "email", "") or actor.get_username()
        return {"actor_kind": kind, "actor_user_id": actor.pk, "actor_label": label[:200]}
    return {"actor_kind": Kind.SYSTEM, "actor_label": "system"}


def snapshot(instance: models.Model, fields: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """The named fields of a row as JSON-safe values, for `before`/`after`."""
    values = {}
    for name in fields:
        value = getattr(instance, name, None)
        values[name] = value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)
    return values


def audit_record(
    *,
    action: str,
    client: Any = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    actor: Any = "current",
    object_repr: str = "",
) -> AuditEntry:
    """Keep one entry for `action` (e.g. `client.suspended`) on `obj` of `client`.

    `before`/`after` carry settings as they were and became (only the keys that changed are kept when
    both are given). `actor="current"` takes the request's user or API key, or the system outside a request.
    """
    request = current_request()
    if actor == "current":
        actor = getattr(request, "user", None) if request is not None else None
    if before is not None and after is not None:
        changed = {k for k in set(before) | set(after) if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    return AuditEntry.objects.create(
        **_actor_fields(actor),
        client_id=getattr(client, "pk", client),
        client_label=str(client)[:200] if isinstance(client, models.Model) else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:200],
        before=before,
        after=after,
        ip_address=client_ip(request),
    )


def audit_purge_expired(*, now=None) -> int:
    """Delete entries older than AUDIT_RETENTION_DAYS (0 keeps them forever); returns how many went."""
    days = settings.AUDIT_RETENTION_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted, _ = AuditEntry.objects.filter(at__lt=cutoff).delete()
    return deleted


def _scrubbed(value: Any, secrets: list[str]) -> Any:
    """`value` with every string that contains one of `secrets` replaced (JSON-shaped values only)."""
    if isinstance(value, str):
        return "[erased]" if any(secret in value for secret in secrets) else value
    if isinstance(value, list):
        return [_scrubbed(item, secrets) for item in value]
    if isinstance(value, dict):
        return {key: _scrubbed(item, secrets) for key, item in value.items()}
    return value


def audit_redact_objects(
    *,
    client: Any,
    objects: list[tuple[str, Any]],
    secrets: Iterable[str] = (),
    identifiers: Iterable[str] = (),
    label: str = "[erased]",
) -> int:
    """Take a person's data out of the client's entries about `objects` (`(object_type, pk)` pairs) or whose
    object names one of `identifiers` (a phone, a BSUID: long and unique, unlike a first name).

    The entries stay (who did what, when), with `object_repr` replaced by `label` and any before/after value
    that contains one of `secrets` (identifiers and names) replaced. Used by an erasure (Ley 1581); returns how
    many entries changed.
    """
    secrets = [s for s in [*secrets, *identifiers] if s]
    about = Q()
    for object_type, pk in objects:
        about |= Q(object_type=object_type, object_id=str(pk))
    for identifier in identifiers:
        if identifier:
            about |= Q(object_repr__contains=identifier)
    if not about:
        return 0
    count = 0
    for entry in AuditEntry.objects.for_client(client).filter(about).iterator():
        AuditEntry.objects.filter(pk=entry.pk).update(
            object_repr=label[:200] if entry.object_repr else "",
            before=_scrubbed(entry.before, secrets),
            after=_scrubbed(entry.after, secrets),
        )
        count += 1
    return count
