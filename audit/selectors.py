"""Reading the audit trail: always for one client (the portal), or everything (the operator's admin)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from audit.models import AuditEntry


def audit_entries_for_client(
    *, client, member_user_ids: Iterable[int] = (), action_prefix: str = ""
) -> QuerySet[AuditEntry]:
    """The client's entries, plus the logins of its people (`member_user_ids`; a login names no client)."""
    entries = AuditEntry.objects.for_client(client)
    member_user_ids = list(member_user_ids)
    if member_user_ids and getattr(client, "pk", client) is not None:
        entries = AuditEntry.objects.filter(
            Q(client_id=getattr(client, "pk", client))
            | Q(client__isnull=True, action__startswith="auth.", actor_user_id__in=member_user_ids)
        )
    if action_prefix:
        entries = entries.filter(action__startswith=action_prefix)
    return entries.order_by("-at", "-id")


def audit_entries_about(*, client, objects: Iterable[tuple[str, object]]) -> QuerySet[AuditEntry]:
    """The client's entries about these objects (`(object_type, pk)` pairs, e.g. `("whatsapp.contact", 12)`)."""
    about = Q()
    for object_type, pk in objects:
        about |= Q(object_type=object_type, object_id=str(pk))
    if not about:
        return AuditEntry.objects.none()
    return AuditEntry.objects.for_client(client).filter(about).order_by("at", "id")
