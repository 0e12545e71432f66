"""The query budget of one answered message (issue: the pipeline at scale).

One inbound text answered by the AI costs at most 15 queries in total, webhook request and worker
together, on PostgreSQL: the request stores the delivery (1), the worker applies it, decides the reply,
records it, sends it through the Graph API (the sandbox, over real HTTP) and counts it. Every statement
Django sends is counted, transaction control included; the sandbox's own tables, which play Meta and do
not exist in production, are not.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ai.replies import persona_brief
from ai.selectors import knowledge_index, persona_for
from billing.models import UsagePeriod
from integrations import subscriptions
from tests.factories import KnowledgeEntryFactory, PersonaFactory
from tests.meta_fixtures import text_message
from tests.support import prepared_statements
from whatsapp.models import Message
from whatsapp.services.webhooks import APPLY_ARMED_KEY, webhook_events_apply
from whatsapp.signature import sign_body

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BUDGET = 15


def product_queries(captured: CaptureQueriesContext) -> list[str]:
    """The statements production sends: the sandbox's (and the savepoints that held only those) left out."""
    kept: list[str] = []
    for sql in (q["sql"] for q in captured.captured_queries if "sandbox_" not in q["sql"]):
        if sql.startswith("RELEASE SAVEPOINT") and kept and kept[-1] == sql.removeprefix("RELEASE "):
            kept.pop()
        else:
            kept.append(sql)
    return kept


def answered(client, number, *, wamid: str, text: str) -> tuple[list[str], list[str]]:
    """Post one signed inbound text and apply it as a worker would; the request's and the worker's queries."""
    body = json.dumps(text_message(number, wamid=wamid, text=text, ts=str(int(time.time())))).encode()
    cache.set(APPLY_ARMED_KEY, 1, timeout=60)  # an apply task is "queued": the request only stores
    with CaptureQueriesContext(connection) as request:
        response = client.post(
            "/webhook/whatsapp", data=body, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=sign_body(body)
        )
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as worker:
        assert webhook_events_apply() == 1  # the eager answer-and-send runs on the batch's commit
    reply = Message.objects.get(direction="out", reply_to__wamid=wamid)
    assert (reply.status, reply.sent_by, bool(reply.wamid)) == ("sent", "ai", True)
    return product_queries(request), product_queries(worker)


def test_one_answered_text_costs_at_most_15_queries(sandbox_live, client, number, settings):
    settings.AI_REPLY_QUIET_SECONDS = 0
    PersonaFactory(client=number.client, business_hours="Lunes a sábado, 8 a 20")
    KnowledgeEntryFactory(client=number.client, question="¿Hacen domicilios?", answer="Sí, en todo el barrio.")
    # A running worker holds the client's matching index and its integrators' subscriptions in memory and
    # cache already; both are read again only when they change.
    knowledge_index(client=number.client, facts=persona_brief(persona_for(client=number.client)).facts())
    subscriptions.subscribed([number.client_id])
    first_request, first_worker = answered(client, number, wamid="wamid.BUDGET1", text="Hola, ¿tienen domicilio?")
    again_request, again_worker = answered(client, number, wamid="wamid.BUDGET2", text="¿Y a qué hora abren?")

    assert len(first_request) == len(again_request) == 1, first_request
    assert len(first_request) + len(first_worker) <= BUDGET, "\n".join(first_worker)  # a first-time customer
    assert len(again_request) + len(again_worker) <= BUDGET, "\n".join(again_worker)  # a returning one
    # The knowledge base's version (the key of the worker's matching index) comes with the reply task's read
    # of the message: no statement reads it alone.
    alone = [sql for sql in first_worker + again_worker if "ai_knowledgeentry" in sql and "whatsapp_message" not in sql]
    assert alone == [], alone
    usage = UsagePeriod.objects.get(number=number)
    assert (usage.inbound_messages, usage.service_messages, usage.ai_replies) == (2, 2, 2)


def test_the_statements_run_for_every_answered_message_are_prepared_once_per_connection(
    sandbox_live, client, number, settings
):
    """Planning them cost PostgreSQL more than running them (bench/README: planning per message)."""
    settings.AI_REPLY_QUIET_SECONDS = 0
    KnowledgeEntryFactory(client=number.client, question="¿Hacen domicilios?", answer="Sí, en todo el barrio.")
    for i in range(3):
        answered(client, number, wamid=f"wamid.PREPARED{i}", text="¿Hacen domicilios?")
    runs = {sql[:40]: sum(plans) for sql, plans in prepared_statements().items()}
    hot = {
        "the reply task's read": 'SELECT "whatsapp_message"."id", "whatsap',
        "recording the reply": "WITH owned AS (SELECT id FROM whatsapp_c",
        "claiming the reply for the send": "UPDATE whatsapp_message SET status = $1,",
        "settling the send": "WITH sent_message AS (UPDATE whatsapp_me",
    }
    for what, start in hot.items():
        assert runs.get(start) == 3, f"{what} is one prepared statement run for each message: {runs}"


def test_an_edited_answer_is_used_by_the_next_reply_though_its_version_comes_with_the_message(
    sandbox_live, client, number, settings
):
    """The worker keeps the matching index per knowledge version; the version is read with the message, so an
    edit made between two customer messages must show in the second reply."""
    settings.AI_REPLY_QUIET_SECONDS = 0
    entry = KnowledgeEntryFactory(client=number.client, question="¿Hacen domicilios?", answer="Sí, en todo el barrio.")
    answered(client, number, wamid="wamid.EDIT1", text="¿Hacen domicilios?")
    entry.answer = "Solo los sábados."
    entry.save()
    answered(client, number, wamid="wamid.EDIT2", text="¿Hacen domicilios?")
    replies = dict(Message.objects.filter(direction="out").values_list("reply_to__wamid", "text"))
    assert "todo el barrio" in replies["wamid.EDIT1"]
    assert "sábados" in replies["wamid.EDIT2"] and "todo el barrio" not in replies["wamid.EDIT2"]
