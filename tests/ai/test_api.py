"""`/api/v1` persona, knowledge and preview endpoints: scoped to the caller's client, JSON errors."""

import pytest

from ai.models import AiReplyLog, KnowledgeEntry, Persona
from tests.ai.support import load_faq
from tests.factories import ClientFactory, KnowledgeEntryFactory
from tests.whatsapp.api_support import assert_error
from whatsapp.models import Message

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_a():
    return ClientFactory(business_name="Clínica A")


@pytest.fixture
def client_b():
    return ClientFactory(business_name="Tienda B")


def test_persona_defaults_then_put_updates_only_given_fields(api_for, client_a):
    api = api_for(client_a)

    body = api.get("/api/v1/persona").json()
    assert (body["language"], body["enabled"], body["max_reply_chars"]) == ("auto", True, 700)

    response = api.put(
        "/api/v1/persona",
        {"business_description": "Clínica dental", "business_hours": "L-V 8-18", "language": "es"},
        format="json",
    )
    assert response.status_code == 200, response.content
    persona = Persona.objects.get(client=client_a)
    assert (persona.business_description, persona.business_hours, persona.language) == (
        "Clínica dental",
        "L-V 8-18",
        "es",
    )
    assert api.get("/api/v1/persona").json()["business_hours"] == "L-V 8-18"


@pytest.mark.parametrize(
    "payload",
    [
        {"language": "fr"},
        {"timezone": "Mars/Olympus"},
        {"max_reply_chars": 5},
        {"max_reply_chars": 5000},
        {"enabled": "maybe"},
        {"business_description": "x" * 4001},
        {"tone": None},
        {"request_fields": "x" * 4001},
        {"request_fields": "\n".join(f"Dato {n}" for n in range(9))},
    ],
)
def test_bad_persona_input_is_a_400_and_changes_nothing(api_for, client_a, payload):
    api = api_for(client_a)

    error = assert_error(api.put("/api/v1/persona", payload, format="json"), 400, "validation_error")

    assert set(payload) <= set(error["details"])
    assert not Persona.objects.filter(client=client_a).exists()


def test_the_details_a_request_needs_have_a_default_and_can_be_changed(api_for, client_a):
    api = api_for(client_a)
    assert api.get("/api/v1/persona").json()["request_fields"] == "Nombre\nServicio o producto\nDía y hora"

    response = api.put("/api/v1/persona", {"request_fields": "Nombre\nDirección\nProducto"}, format="json")

    assert response.status_code == 200, response.content
    assert Persona.objects.get(client=client_a).request_fields == "Nombre\nDirección\nProducto"


def test_each_client_edits_only_its_own_persona(api_for, client_a, client_b):
    api_for(client_a).put("/api/v1/persona", {"tone": "formal"}, format="json")
    api_for(client_b).put("/api/v1/persona", {"tone": "juvenil"}, format="json")

    assert Persona.objects.get(client=client_a).tone == "formal"
    assert api_for(client_b).get("/api/v1/persona").json()["tone"] == "juvenil"


def test_knowledge_crud(api_for, client_a):
    api = api_for(client_a)

    created = api.post("/api/v1/knowledge", {"question": "¿Hacen domicilios?", "answer": "Sí, gratis."}, format="json")
    assert created.status_code == 201, created.content
    entry_id = created.json()["id"]
    note = api.post("/api/v1/knowledge", {"answer": "Aceptamos mascotas."}, format="json")
    assert (note.status_code, note.json()["question"]) == (201, "")

    listed = api.get("/api/v1/knowledge").json()
    assert listed["count"] == 2
    assert [e["question"] for e in listed["results"]] == ["¿Hacen domicilios?", ""]

    patched = api.patch(f"/api/v1/knowledge/{entry_id}", {"answer": "Sí, por $5.000."}, format="json")
    assert patched.json() == {**patched.json(), "question": "¿Hacen domicilios?", "answer": "Sí, por $5.000."}
    assert api.get(f"/api/v1/knowledge/{entry_id}").json()["answer"] == "Sí, por $5.000."

    assert api.delete(f"/api/v1/knowledge/{entry_id}").status_code == 204
    assert_error(api.get(f"/api/v1/knowledge/{entry_id}"), 404, "not_found")
    assert KnowledgeEntry.objects.filter(client=client_a).count() == 1


def test_knowledge_list_is_paginated(api_for, client_a):
    KnowledgeEntryFactory.create_batch(3, client=client_a)

    body = api_for(client_a).get("/api/v1/knowledge?page_size=2").json()

    assert (body["count"], len(body["results"])) == (3, 2)
    assert body["next"]


@pytest.mark.parametrize("payload", [{}, {"answer": ""}, {"answer": "   "}, {"question": "x" * 501, "answer": "ok"}])
def test_bad_knowledge_input_is_a_400(api_for, client_a, payload):
    assert_error(api_for(client_a).post("/api/v1/knowledge", payload, format="json"), 400, "validation_error")
    assert not KnowledgeEntry.objects.exists()


def test_another_clients_entry_is_a_404_for_every_method(api_for, client_a, client_b):
    theirs = KnowledgeEntryFactory(client=client_b, answer="Secreto de B")
    api = api_for(client_a)

    assert_error(api.get(f"/api/v1/knowledge/{theirs.pk}"), 404, "not_found")
    assert_error(api.patch(f"/api/v1/knowledge/{theirs.pk}", {"answer": "hackeado"}, format="json"), 404, "not_found")
    assert_error(api.delete(f"/api/v1/knowledge/{theirs.pk}"), 404, "not_found")
    assert_error(api.get("/api/v1/knowledge/not-a-number"), 404, "not_found")
    assert_error(api.get("/api/v1/knowledge/99999999999999999999999"), 404, "not_found")
    assert_error(api.delete("/api/v1/knowledge/-1"), 404, "not_found")
    assert api.get("/api/v1/knowledge").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.answer == "Secreto de B"


def test_preview_answers_from_the_knowledge_base_and_sends_nothing(api_for, client_a):
    load_faq(client_a)

    response = api_for(client_a).post("/api/v1/assistant/preview", {"message": "hay parqueo?"}, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["handoff"] is False
    assert "parqueadero gratis" in body["reply"]
    assert not Message.objects.exists()
    assert AiReplyLog.objects.get(client=client_a).source == "preview"


def test_preview_shows_a_handoff(api_for, client_a):
    response = api_for(client_a).post("/api/v1/assistant/preview", {"message": "quiero un asesor"}, format="json")

    assert response.json()["handoff"] is True
    assert response.json()["reply"]


def test_preview_uses_only_the_callers_knowledge(api_for, client_a, client_b):
    load_faq(client_b)

    body = api_for(client_a).post("/api/v1/assistant/preview", {"message": "hay parqueo?"}, format="json").json()

    assert body["handoff"] is True
    assert "parqueadero" not in body["reply"]


@pytest.mark.parametrize("payload", [{}, {"message": ""}, {"message": "x" * 5000}])
def test_bad_preview_input_is_a_400(api_for, client_a, payload):
    assert_error(api_for(client_a).post("/api/v1/assistant/preview", payload, format="json"), 400, "validation_error")


def test_anonymous_callers_are_refused(client):
    for path in ("/api/v1/persona", "/api/v1/knowledge"):
        response = client.get(path)
        assert response.status_code in (401, 403)
        assert "error" in response.json()


def test_preview_sees_knowledge_edits_at_once(api_for, client_a):
    api = api_for(client_a)
    entry = api.post("/api/v1/knowledge", {"question": "¿Hacen domicilios?", "answer": "Sí, gratis."}, format="json")

    assert api.post("/api/v1/assistant/preview", {"message": "hacen domicilio?"}, format="json").json()["reply"] == (
        "Sí, gratis."
    )
    api.patch(f"/api/v1/knowledge/{entry.json()['id']}", {"answer": "Sí, por $5.000."}, format="json")
    assert api.post("/api/v1/assistant/preview", {"message": "hacen domicilio?"}, format="json").json()["reply"] == (
        "Sí, por $5.000."
    )


def test_a_note_may_be_long_but_a_faq_answer_fits_one_message(api_for, client_a):
    api = api_for(client_a)
    long_note = "Párrafo sobre nuestras políticas. " * 400  # about 13 600 characters
    assert api.post("/api/v1/knowledge", {"answer": long_note}, format="json").status_code == 201

    error = assert_error(
        api.post("/api/v1/knowledge", {"question": "¿Políticas?", "answer": long_note}, format="json"),
        400,
        "validation_error",
    )
    assert "answer" in error["details"]
    note = KnowledgeEntry.objects.get(client=client_a)
    # Giving the note a question makes it a FAQ entry: its answer must then fit one message too.
    response = api.patch(f"/api/v1/knowledge/{note.pk}", {"question": "¿Políticas?"}, format="json")
    assert_error(response, 400, "validation_error")
    note.refresh_from_db()
    assert note.question == ""
