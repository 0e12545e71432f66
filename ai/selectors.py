"""Reads of the assistant's configuration and history, always for one client."""

from __future__ import annotations

from django.db.models import QuerySet

from ai.matching import KnowledgeItem
from ai.models import AiReplyLog, KnowledgeEntry, Persona
from crm.exceptions import NotFoundError
from tenants.models import Client


def persona_for(*, client: Client) -> Persona:
    """The client's persona, or an unsaved one with the defaults when none was written yet."""
    return Persona.objects.for_client(client).first() or Persona(client=client)


def knowledge_list(*, client: Client) -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.for_client(client).order_by("id")


def knowledge_entry_get(*, client: Client, entry_id: int | str) -> KnowledgeEntry:
    """One entry of this client; another client's id and a missing id are the same 404."""
    if not str(entry_id).isdigit():
        raise NotFoundError("No such knowledge entry.")
    entry = knowledge_list(client=client).filter(pk=int(entry_id)).first()
    if entry is None:
        raise NotFoundError("No such knowledge entry.")
    return entry


def knowledge_items(*, client: Client) -> list[KnowledgeItem]:
    return [
        KnowledgeItem(id=pk, question=question, answer=answer)
        for pk, question, answer in knowledge_list(client=client).values_list("id", "question", "answer")
    ]


def reply_logs(*, client: Client) -> QuerySet[AiReplyLog]:
    return AiReplyLog.objects.for_client(client)
