"""Reads of the assistant's configuration and history, always for one client."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, OuterRef, QuerySet, Subquery, Sum

from ai.knowledge_csv import knowledge_csv_text
from ai.matching import KnowledgeIndex, KnowledgeItem
from ai.models import AiReplyLog, KnowledgeEntry, Persona
from ai.passages import note_passages
from core.compiled import CompiledSelect
from core.exceptions import NotFoundError
from core.ids import parse_id
from tenants.models import Client


def persona_for(*, client: Client) -> Persona:
    """The client's persona, or an unsaved one with the defaults when none was written yet."""
    try:
        persona = client.persona  # read with the client when the caller selected it along (the reply task)
    except Persona.DoesNotExist:
        persona = Persona(client=client)
    persona.client = client  # the caller's row: the prompt reads the business name from it, no second read
    return persona


def knowledge_list(*, client: Client) -> QuerySet[KnowledgeEntry]:
    return KnowledgeEntry.objects.for_client(client).order_by("id")


def knowledge_entry_get(*, client: Client, entry_id: int | str) -> KnowledgeEntry:
    """One entry of this client; another client's id and a missing id are the same 404."""
    pk = parse_id(entry_id)
    entry = knowledge_list(client=client).filter(pk=pk).first() if pk else None
    if entry is None:
        raise NotFoundError("No such knowledge entry.")
    return entry


def knowledge_items(*, client: Client) -> list[KnowledgeItem]:
    """The entries as retrieval items: a FAQ entry whole, a free-text note as one item per passage (same id)."""
    items = []
    for pk, question, answer in knowledge_list(client=client).values_list("id", "question", "answer"):
        if question:
            items.append(KnowledgeItem(id=pk, question=question, answer=answer))
        else:
            items += [KnowledgeItem(id=pk, question="", answer=passage) for passage in note_passages(answer)]
    return items


def knowledge_csv(*, client: Client) -> str:
    """The client's knowledge base in the CSV format the import reads (ai.knowledge_csv)."""
    return knowledge_csv_text(knowledge_list(client=client).values_list("question", "answer"))


_INDEXES: OrderedDict[tuple, KnowledgeIndex] = OrderedDict()
INDEX_CACHE_SIZE = 64


def knowledge_version(*, client: Client) -> tuple:
    """What identifies the client's knowledge base now, read from the database, so every process agrees.

    An edit moves `updated_at`, a deletion the count, an addition the count and the top id: any change
    gives a new key, and no process has to be told (a process-local cache cannot be invalidated from another).
    A read that fetched the client with `knowledge_version_columns` (the reply task's) left the version on it
    (KNOWLEDGE_VERSION_READ): no second query.
    """
    read = client.__dict__.get(KNOWLEDGE_VERSION_READ)
    if read is None:
        found = _KNOWLEDGE_VERSION.rows(client.pk)  # compiled once per thread
        read = found[0] if found else (0, None, None)
    n, last, top = read
    return (client.pk, n or 0, last, top)


KNOWLEDGE_VERSION_READ = "knowledge_version_read"


def knowledge_version_columns(client_id: OuterRef) -> dict[str, Subquery]:
    """The knowledge version as columns of another read (`client_id` names the client there), for a caller
    that already reads the client on the hot path; it stores (n, last, top) on the client as
    KNOWLEDGE_VERSION_READ. One read instead of two for every AI reply."""
    entries = KnowledgeEntry.objects.filter(client_id=client_id).order_by().values("client_id")
    return {
        f"knowledge_{name}": Subquery(entries.annotate(value=aggregate).values("value")[:1])
        for name, aggregate in (("n", Count("id")), ("last", Max("updated_at")), ("top", Max("id")))
    }


def _knowledge_version(client_id: int) -> QuerySet:
    entries = KnowledgeEntry.objects.for_client(client_id).order_by()
    return (
        entries.values("client_id")
        .annotate(n=Count("id"), last=Max("updated_at"), top=Max("id"))
        .values_list("n", "last", "top")
    )


_KNOWLEDGE_VERSION = CompiledSelect(_knowledge_version, -1)


def knowledge_index(*, client: Client, facts: Mapping[str, str]) -> KnowledgeIndex:
    """The client's matching index over its entries and the persona's `facts`, built once per version and process."""
    key = (*knowledge_version(client=client), tuple(sorted(facts.items())))
    index = _INDEXES.get(key)
    if index is None:
        index = KnowledgeIndex(knowledge_items(client=client), facts)
        _INDEXES[key] = index
        while len(_INDEXES) > INDEX_CACHE_SIZE:
            _INDEXES.popitem(last=False)
    else:
        _INDEXES.move_to_end(key)
    return index


def reply_logs(*, client: Client) -> QuerySet[AiReplyLog]:
    return AiReplyLog.objects.for_client(client)


def preview_usage(*, client: Client, since: datetime, until: datetime) -> dict[str, Any]:
    """Previews ("try your assistant") in [since, until): how many, and their estimated model cost (USD).

    Nothing is sent, so they never count against the free allowance, but each may have called the model.
    """
    totals = (
        AiReplyLog.objects.for_client(client)
        .filter(source=AiReplyLog.Source.PREVIEW, created_at__gte=since, created_at__lt=until)
        .aggregate(count=Count("id"), estimated_cost=Sum("estimated_cost"))
    )
    return {"count": totals["count"], "estimated_cost": totals["estimated_cost"] or Decimal(0)}
