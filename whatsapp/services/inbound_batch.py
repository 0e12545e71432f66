"""A batch's new customer messages stored in one PostgreSQL statement (the ingest's hot path).

Storing one message the ORM way takes a dozen statements and savepoints (conversation get-or-create, message
insert, conversation update, usage row, delivery outcome). Here the contacts of the batch are upserted first
(whatsapp.services.contacts, one query per client), then one statement:

1. opens the conversations that do not exist yet (with their last activity already set) and finds the others;
2. inserts the messages, skipping wamids stored before (Meta redelivers: never stored, never answered twice);
3. moves the last activity of the existing conversations (the window counts from the customer's latest
   message, whatever order deliveries arrive in);
4. counts the new messages in their numbers' usage (billing's part, billing.usage_sql);
5. writes each delivery's outcome, when the caller passes them.

A statement is atomic: everything or nothing. When it fails (a conversation opened concurrently by another
worker is the one expected case), the caller rolls the batch back and applies it the item-by-item way
(whatsapp.services.webhooks). Edits, deletions and system notices take that way always: they change earlier
rows.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from typing import Any

from billing.usage_sql import inbound_count
from core.prepared import prepared_cursor
from core.sql import column_arrays, insert_columns, insert_params, typed_columns, typed_placeholders, unnest_rows
from tenants.models import WhatsAppNumber
from whatsapp.identity import CustomerIdentity
from whatsapp.inbound_parsing import describe_inbound
from whatsapp.models import Conversation, Message, WebhookEvent
from whatsapp.services.contacts import contacts_upsert
from whatsapp.services.inbound import inbound_recorded

# Kinds of `messages[]` items that change earlier rows instead of adding one: never batched.
UNBATCHED_TYPES = frozenset({"edit", "revoke", "system"})


class ConversationRace(RuntimeError):
    """A conversation of the batch was opened by another worker while the statement ran: apply item by item."""


@dataclass
class FreshInbound:
    """A customer message of the batch to store: its number, the item as Meta sent it, and its sender."""

    number: WhatsAppNumber
    item: dict[str, Any]
    identity: CustomerIdentity
    sent_at: Any


def batchable(item: dict[str, Any]) -> bool:
    return str(item.get("type") or "") not in UNBATCHED_TYPES


def store_fresh_inbound(fresh: list[FreshInbound], *, outcomes: list[WebhookEvent] = ()) -> list[Message]:
    """Store the batch's new messages (see the module); returns those stored now, each with its reply scheduled
    and its observers told. Raises ConversationRace (or a DatabaseError) for the caller's fallback."""
    if not fresh:
        return []
    rows = _rows(fresh)
    params: list[Any] = column_arrays(
        (*insert_params(message), number.pk, contact_id) for message, number, contact_id in rows
    )
    opened = Conversation(owner=Conversation.Owner.AI)  # the defaults of a new conversation
    usage_sql, usage_params = inbound_count(gate="stored_inbound", numbers=list({n.pk: n for _, n, _ in rows}.values()))
    outcome_sql, outcome_params = _outcomes(outcomes)
    sql = _statement(usage_sql, outcome_sql)
    with prepared_cursor() as cursor:
        cursor.execute(sql, [*params, *insert_params(opened), *usage_params, *outcome_params])
        found, stored = cursor.fetchone()
    if found < len({(n.pk, c) for _, n, c in rows}):
        raise ConversationRace("a conversation of the batch was opened concurrently")
    return _announce(rows, json.loads(stored) if isinstance(stored, str) else (stored or []))


@cache
def _statement(usage_sql: str, outcome_sql: str) -> str:
    """The statement's text: it depends only on the models and on whether outcomes are written, never on how
    many messages, so psycopg converts it once and PostgreSQL keeps its plan (core.prepared)."""
    messages, conversations = Message._meta.db_table, Conversation._meta.db_table
    columns = ", ".join(insert_columns(Message))
    new_conversation = typed_columns(
        Conversation,
        "d",
        replace={
            "client_id": "i.client_id",
            "number_id": "i.number_id_",
            "contact_id": "i.contact_id_",
            "last_inbound_at": "i.sent_at::timestamptz",
            "last_message_at": "now()",
            "created_at": "now()",
        },
    )
    rows = unnest_rows(Message, "i", extra=(("number_id_", "bigint"), ("contact_id_", "bigint")))
    return (
        f"WITH i AS (SELECT * FROM {rows}), "
        f"d AS (SELECT {typed_placeholders(Conversation)}), "
        f"new_conversations AS (INSERT INTO {conversations} ({', '.join(insert_columns(Conversation))}) "
        f"SELECT DISTINCT ON (i.number_id_, i.contact_id_) {new_conversation} FROM i, d "
        "ORDER BY i.number_id_, i.contact_id_, i.sent_at::timestamptz DESC "
        "ON CONFLICT DO NOTHING RETURNING id, number_id, contact_id), "
        "found_conversations AS (SELECT id, number_id, contact_id FROM new_conversations UNION ALL "
        f"SELECT c.id, c.number_id, c.contact_id FROM {conversations} c "
        "JOIN (SELECT DISTINCT number_id_, contact_id_ FROM i) k ON c.number_id = k.number_id_ "
        "AND c.contact_id = k.contact_id_), "
        f"stored AS (INSERT INTO {messages} ({columns}) "
        f"SELECT {typed_columns(Message, 'i', replace={'conversation_id': 'f.id'})} FROM i "
        "JOIN found_conversations f ON f.number_id = i.number_id_ AND f.contact_id = i.contact_id_ "
        "ORDER BY i.order_ "  # ids in the order Meta listed the messages: a burst reads in that order
        "ON CONFLICT DO NOTHING RETURNING id, wamid, conversation_id, client_id, sent_at), "
        "stored_inbound AS (SELECT s.id, s.client_id, f.number_id FROM stored s "
        "JOIN found_conversations f ON f.id = s.conversation_id), "
        f"touched AS (UPDATE {conversations} c SET last_message_at = now(), "
        "last_inbound_at = GREATEST(c.last_inbound_at, t.sent_at) "
        "FROM (SELECT conversation_id, max(sent_at) AS sent_at FROM stored GROUP BY conversation_id) t "
        "WHERE c.id = t.conversation_id), "
        f"{usage_sql}{outcome_sql} "
        "SELECT (SELECT count(*) FROM found_conversations), "
        "(SELECT json_agg(json_build_array(id, wamid, conversation_id)) FROM stored)"
    )


def _rows(fresh: list[FreshInbound]) -> list[tuple[Message, WhatsAppNumber, int]]:
    """The messages to insert, one per wamid, with their number and contact (upserted per client)."""
    by_client: dict[int, list[FreshInbound]] = defaultdict(list)
    for item in fresh:
        by_client[item.number.client_id].append(item)
    contacts = {
        client_id: contacts_upsert(client=client_id, identities=[f.identity for f in items])
        for client_id, items in by_client.items()
    }
    rows, seen = [], set()
    for item in fresh:
        wamid = str(item.item.get("id"))
        if wamid in seen:
            continue
        seen.add(wamid)
        kind, text = describe_inbound(item.item)
        message = Message(
            client_id=item.number.client_id,
            conversation_id=0,  # replaced in the statement by the conversation it finds or opens
            direction=Message.Direction.INBOUND,
            kind=kind,
            text=text,
            payload=item.item,
            wamid=wamid,
            status=Message.Status.RECEIVED,
            sent_at=item.sent_at,
        )
        message._identity = item.identity  # for the observers below
        rows.append((message, item.number, contacts[item.number.client_id][item.identity.key].pk))
    return rows


def _outcomes(events: list[WebhookEvent]) -> tuple[str, list[Any]]:
    """A CTE `outcomes` writing each delivery's outcome, and its parameters (none when there are none)."""
    if not events:
        return "", []
    params = column_arrays((e.pk, e.outcome, e.detail, e.processed_at) for e in events)
    sql = (
        f", outcomes AS (UPDATE {WebhookEvent._meta.db_table} e "
        "SET outcome = o.outcome, detail = o.detail, processed_at = o.at "
        "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::timestamptz[]) AS o (id, outcome, detail, at) "
        "WHERE e.id = o.id)"
    )
    return sql, params


def _announce(rows: list[tuple[Message, WhatsAppNumber, int]], stored: list[list[Any]]) -> list[Message]:
    """Give each message stored now its ids, and what follows a new message (observers, media, reply)."""
    by_wamid = {message.wamid: (message, number) for message, number, _ in rows}
    announced = []
    for pk, wamid, conversation_id in stored:
        message, number = by_wamid[wamid]
        message.pk, message.conversation_id = pk, conversation_id
        message._state.adding, message._state.db = False, "default"
        inbound_recorded(message, number=number, wa_id=message._identity.key)
        announced.append(message)
    return announced
