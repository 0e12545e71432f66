"""Conversations through /api/v1: lists, filters, messages, takeover/handback, conversion marks,
and that another client's conversation is a 404 that changes nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import ConversationFactory, MessageFactory, WhatsAppNumberFactory
from tests.whatsapp.api_support import assert_error, open_conversation
from whatsapp.models import Conversation, Message

pytestmark = pytest.mark.django_db


def ago(**kwargs):
    return timezone.now() - timedelta(**kwargs)


def test_conversations_latest_first_with_contact_number_owner_window_and_preview(api_for, number):
    old = ConversationFactory(number=number, last_message_at=ago(days=3), last_inbound_at=ago(days=3))
    recent = open_conversation(number, hours_ago=1)
    MessageFactory(
        conversation=recent, direction="out", status="sent", sent_by="ai", text="¡Sí! " * 40, created_at=ago(minutes=5)
    )
    ConversationFactory()  # another client's

    body = api_for(number.client).get("/api/v1/conversations").json()

    assert body["count"] == 2
    first, second = body["results"]
    assert (first["id"], second["id"]) == (recent.pk, old.pk)
    assert first["contact"]["id"] == recent.contact_id
    assert first["contact"]["phone_number"] == recent.contact.phone_number
    assert first["number"] == {
        "id": number.pk,
        "phone_number": number.phone_number,
        "phone_number_id": number.phone_number_id,
        "display_name": number.display_name,
    }
    assert first["owner"] == "ai"
    assert (first["window_open"], second["window_open"]) == (True, False)
    assert first["last_message"]["direction"] == "out"
    assert first["last_message"]["sent_by"] == "ai"
    assert first["last_message"]["text"].startswith("¡Sí!")
    assert len(first["last_message"]["text"]) <= 120
    assert second["last_message"] is None
    assert (first["converted"], first["converted_at"]) == (False, None)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"owner": "human"}, {"human", "converted"}),
        ({"owner": "ai"}, {"ai", "other_number"}),
        ({"needs_attention": "true"}, {"human"}),
        ({"needs_attention": "false"}, {"ai", "converted", "other_number"}),
        ({"converted": "true"}, {"converted"}),
        ({"converted": "false"}, {"ai", "human", "other_number"}),
        ({"number": "OTHER"}, {"other_number"}),
        ({"number": "OTHER_PNID"}, {"other_number"}),
        ({"number": "OTHER_PHONE"}, {"other_number"}),
        ({"number": "+570000000000"}, set()),
        ({"number": "OTHER_PHONE_UNENCODED"}, {"other_number"}),
        ({"owner": "ai", "converted": "false", "number": "FIRST"}, {"ai"}),
    ],
)
def test_conversation_filters(api_for, number, query, expected):
    other_number = WhatsAppNumberFactory(client=number.client)
    made = {
        "ai": ConversationFactory(number=number),
        "human": ConversationFactory(number=number, owner="human", needs_attention=True),
        "converted": ConversationFactory(number=number, owner="human", converted_at=timezone.now()),
        "other_number": ConversationFactory(number=other_number),
    }
    names = {c.pk: name for name, c in made.items()}
    aliases = {
        "OTHER": other_number.pk,
        "OTHER_PNID": other_number.phone_number_id,
        "OTHER_PHONE": other_number.phone_number,
        "OTHER_PHONE_UNENCODED": other_number.phone_number.replace("+", " "),
        "FIRST": number.pk,
    }
    query = {k: aliases.get(v, v) for k, v in query.items()}

    results = api_for(number.client).get("/api/v1/conversations", query).json()["results"]

    assert {names[r["id"]] for r in results} == expected


@pytest.mark.parametrize(
    "query", [{"owner": "robot"}, {"needs_attention": "maybe"}, {"converted": "x"}, {"number": "x" * 65}]
)
def test_invalid_conversation_filters_are_400(api_for, number, query):
    error = assert_error(api_for(number.client).get("/api/v1/conversations", query), 400, "validation_error")
    assert set(error["details"]) == set(query)


@pytest.mark.parametrize("field", ["pk", "phone_number_id", "phone_number"])
def test_filtering_by_another_clients_number_finds_nothing(api_for, number, field):
    stranger = ConversationFactory()
    query = {"number": getattr(stranger.number, field)}
    assert api_for(number.client).get("/api/v1/conversations", query).json()["results"] == []


def test_messages_are_chronological_and_paginated(api_for, number):
    conversation = ConversationFactory(number=number)
    texts = ["uno", "dos", "tres"]
    for minutes, text in zip([30, 20, 10], texts, strict=True):
        MessageFactory(conversation=conversation, text=text, created_at=ago(minutes=minutes))
    api = api_for(number.client)
    path = f"/api/v1/conversations/{conversation.pk}/messages"

    first = api.get(path, {"page_size": 2}).json()
    second = api.get(path, {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3
    assert [m["text"] for m in first["results"] + second["results"]] == texts
    item = first["results"][0]
    assert item["conversation"] == conversation.pk
    assert item["direction"] == "in"
    assert item["status"] == "received"
    assert item["error"] is None


def test_a_failed_message_shows_its_error(api_for, number):
    conversation = ConversationFactory(number=number)
    MessageFactory(
        conversation=conversation,
        direction="out",
        status="failed",
        sent_by="agent",
        error_code="131047",
        error_title="Re-engagement message",
        error_details="More than 24 hours have passed",
    )
    [item] = api_for(number.client).get(f"/api/v1/conversations/{conversation.pk}/messages").json()["results"]
    assert item["error"] == {
        "code": "131047",
        "title": "Re-engagement message",
        "details": "More than 24 hours have passed",
    }


def test_takeover_gives_the_conversation_to_a_person_and_clears_attention(api_for, number):
    conversation = ConversationFactory(number=number, needs_attention=True, handoff_reason="Pidió un humano")

    response = api_for(number.client).post(f"/api/v1/conversations/{conversation.pk}/takeover")

    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "human"
    assert response.json()["needs_attention"] is False
    conversation.refresh_from_db()
    assert (conversation.owner, conversation.needs_attention) == ("human", False)


def test_handback_returns_the_conversation_to_the_ai(api_for, number):
    conversation = ConversationFactory(number=number, owner="human", needs_attention=True)

    response = api_for(number.client).post(f"/api/v1/conversations/{conversation.pk}/handback")

    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "ai"
    conversation.refresh_from_db()
    assert (conversation.owner, conversation.needs_attention) == ("ai", False)


def test_convert_marks_once_and_delete_unmarks(api_for, number):
    conversation = ConversationFactory(number=number)
    api = api_for(number.client)
    path = f"/api/v1/conversations/{conversation.pk}/convert"

    first = api.post(path).json()
    again = api.post(path).json()
    conversation.refresh_from_db()

    assert first["converted"] is True
    assert first["converted_at"] == again["converted_at"]  # the first mark is kept
    assert conversation.converted_at is not None
    response = api.delete(path)
    assert response.status_code == 200
    assert (response.json()["converted"], response.json()["converted_at"]) == (False, None)
    conversation.refresh_from_db()
    assert conversation.converted_at is None


def test_conversation_detail(api_for, number):
    conversation = open_conversation(number)
    body = api_for(number.client).get(f"/api/v1/conversations/{conversation.pk}").json()
    assert body["id"] == conversation.pk
    assert body["last_message"]["text"] == "Hola, ¿tienen domicilio?"


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "", None),
        ("get", "/messages", None),
        ("post", "/messages", {"text": "hola"}),
        ("post", "/messages", {"template": {"name": "hello_world", "language": "es"}}),
        ("post", "/takeover", None),
        ("post", "/handback", None),
        ("post", "/convert", None),
        ("delete", "/convert", None),
    ],
)
def test_another_clients_conversation_is_404_and_unchanged(api_for, number, method, suffix, data):
    stranger = open_conversation(WhatsAppNumberFactory(), owner="human", needs_attention=True)
    stranger.converted_at = timezone.now()
    stranger.save()
    before = Conversation.objects.values().get(pk=stranger.pk)
    api = api_for(number.client)

    response = getattr(api, method)(f"/api/v1/conversations/{stranger.pk}{suffix}", data, format="json")

    assert_error(response, 404, "conversation_not_found")
    assert Conversation.objects.values().get(pk=stranger.pk) == before
    assert Message.objects.filter(direction="out").count() == 0


def test_a_missing_conversation_looks_the_same_as_another_clients(api_for, number):
    stranger = ConversationFactory()
    api = api_for(number.client)
    missing = api.get("/api/v1/conversations/999999/messages").json()
    foreign = api.get(f"/api/v1/conversations/{stranger.pk}/messages").json()
    assert missing == foreign


@pytest.mark.parametrize("conversation_id", ["0", "99999999999999999999999"])
def test_out_of_range_ids_are_404_not_500(api_for, number, conversation_id):
    api = api_for(number.client)
    assert_error(api.get(f"/api/v1/conversations/{conversation_id}/messages"), 404, "conversation_not_found")
    assert_error(api.post(f"/api/v1/conversations/{conversation_id}/takeover"), 404, "conversation_not_found")
    for huge in ("99999999999999999999999", str(2**63 - 1)):
        assert api.get("/api/v1/conversations", {"number": huge}).json()["results"] == []


def test_listing_conversations_costs_the_same_queries_for_3_or_30(api_for, number):
    api = api_for(number.client)

    def queries_for_listing():
        with CaptureQueriesContext(connection) as captured:
            assert api.get("/api/v1/conversations").status_code == 200
        return len(captured)

    for _ in range(3):
        open_conversation(number)
    few = queries_for_listing()
    for _ in range(27):
        open_conversation(number)
    assert queries_for_listing() == few
