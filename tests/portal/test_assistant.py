"""The assistant page: persona form (every field), knowledge base add/edit/delete, and "try your assistant"."""

from __future__ import annotations

import pytest

from ai.models import AiReplyLog, KnowledgeEntry, Persona
from ai.services import PERSONA_FIELDS
from whatsapp.models import Message

pytestmark = pytest.mark.django_db

PERSONA = {
    "enabled": "on",
    "assistant_name": "Lupe",
    "business_description": "Panadería de barrio con domicilios.",
    "tone": "cercano",
    "language": "es",
    "greeting": "¡Hola! Soy Lupe.",
    "business_hours": "Lunes a sábado 7-19",
    "timezone": "America/Bogota",
    "booking_instructions": "Pedidos por este chat.",
    "address": "Carrera 7 #12-30, Bogotá",
    "conversion_goal": "El cliente confirma un pedido.",
    "never_say": "precios de la competencia",
    "handoff_keywords": "reclamo\nqueja",
    "max_reply_chars": "500",
    "handoff_message": "Ya te atiende una persona.",
    "conversion_keywords": "confirmo el pedido",
}


def test_persona_form_has_every_persona_field(owner_client):
    form = owner_client.get("/app/assistant/").context["persona_form"]
    assert set(form.fields) == set(PERSONA_FIELDS)


def test_persona_saves_every_field(owner_client, tenant):
    response = owner_client.post("/app/assistant/persona/", PERSONA)
    assert response.status_code == 302
    persona = Persona.objects.get(client=tenant.client)
    assert persona.assistant_name == "Lupe" and persona.max_reply_chars == 500
    assert persona.handoff_keywords == "reclamo\nqueja" and persona.enabled is True
    assert 'value="Lupe"' in owner_client.get("/app/assistant/").content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [("max_reply_chars", "5"), ("max_reply_chars", "mucho"), ("timezone", "Mars/Olympus"), ("language", "klingon")],
)
def test_persona_bad_values_are_form_errors_and_change_nothing(owner_client, tenant, field, value):
    response = owner_client.post("/app/assistant/persona/", {**PERSONA, field: value})
    assert response.status_code == 400
    assert response.context["persona_form"].errors[field]
    assert not Persona.objects.filter(client=tenant.client).exists()


def test_knowledge_add_edit_delete(owner_client, tenant):
    response = owner_client.post(
        "/app/assistant/knowledge/", {"question": "¿Tienen pan integral?", "answer": "Sí, todos los días."}
    )
    assert response.status_code == 302
    entry = KnowledgeEntry.objects.get(client=tenant.client, question="¿Tienen pan integral?")
    assert "¿Tienen pan integral?" in owner_client.get("/app/assistant/").content.decode()

    assert owner_client.get(f"/app/assistant/knowledge/{entry.pk}/").status_code == 200
    owner_client.post(f"/app/assistant/knowledge/{entry.pk}/", {"question": "¿Pan integral?", "answer": "Sí."})
    entry.refresh_from_db()
    assert (entry.question, entry.answer) == ("¿Pan integral?", "Sí.")

    owner_client.post(f"/app/assistant/knowledge/{entry.pk}/delete/")
    assert not KnowledgeEntry.objects.filter(pk=entry.pk).exists()


def test_knowledge_without_answer_is_a_form_error(owner_client, tenant):
    before = KnowledgeEntry.objects.filter(client=tenant.client).count()
    response = owner_client.post("/app/assistant/knowledge/", {"question": "¿Algo?", "answer": ""})
    assert response.status_code == 400
    assert response.context["knowledge_form"].errors["answer"]
    assert KnowledgeEntry.objects.filter(client=tenant.client).count() == before
    entry = KnowledgeEntry.objects.filter(client=tenant.client).first()
    edit = owner_client.post(f"/app/assistant/knowledge/{entry.pk}/", {"question": "x", "answer": ""})
    assert edit.status_code == 400
    entry.refresh_from_db()
    assert entry.answer


def test_try_your_assistant_answers_from_the_knowledge_base_and_sends_nothing(owner_client, tenant):
    response = owner_client.post("/app/assistant/preview/", {"message": "¿Cuál es el horario?"})
    assert response.status_code == 200
    preview = response.context["preview"]
    assert "lunes a sábado" in preview.text.lower()
    assert preview.handoff is False
    html = response.content.decode()
    assert 'data-handoff="false"' in html and 'id="preview-reply"' in html
    assert not Message.objects.filter(direction="out").exists()
    assert AiReplyLog.objects.filter(client=tenant.client, source="preview").count() == 1


def test_try_your_assistant_shows_a_handoff(owner_client):
    response = owner_client.post("/app/assistant/preview/", {"message": "Quiero hablar con un asesor humano"})
    assert response.context["preview"].handoff is True
    assert 'data-handoff="true"' in response.content.decode()


def test_empty_preview_is_a_form_error(owner_client):
    response = owner_client.post("/app/assistant/preview/", {"message": "   "})
    assert response.status_code == 400
    assert response.context["preview_form"].errors["message"]
