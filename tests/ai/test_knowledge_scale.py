"""Knowledge at scale: notes cut into passages that retrieval finds, and a model prompt that carries only the
top entries and passages of a large base, never the whole of it (real SDK over HTTP to the local server)."""

from __future__ import annotations

import pytest

from ai.models import KnowledgeEntry
from ai.passages import PASSAGE_CHARS, note_passages
from ai.replies import PROMPT_KNOWLEDGE_ENTRIES, generate_reply
from ai.selectors import knowledge_items
from tests.factories import ClientFactory, PersonaFactory

pytestmark = pytest.mark.django_db

NOTE = (
    "Sobre nosotros: somos una ferretería familiar desde 1985.\n\n"
    "Garantía de herramientas eléctricas: un año contra defectos de fábrica, presentando la factura.\n\n"
    "Alquiler de andamios: por días o semanas, con depósito en efectivo."
)


def test_a_note_is_cut_into_paragraphs_and_long_paragraphs_on_sentences():
    assert note_passages(NOTE) == NOTE.split("\n\n")
    long = " ".join(f"Frase número {n} sobre la política de la tienda." for n in range(40))
    passages = note_passages(long)
    assert len(passages) > 1
    assert all(len(p) <= PASSAGE_CHARS for p in passages)
    assert " ".join(passages) == long  # nothing lost, sentences whole


def test_the_passage_that_answers_is_the_reply_not_the_whole_note():
    client = ClientFactory(business_name="Ferretería Tornillo")
    PersonaFactory(client=client, business_hours="", booking_instructions="", address="")
    note = KnowledgeEntry.objects.create(client=client, question="", answer=NOTE)
    assert [i.answer for i in knowledge_items(client=client)] == NOTE.split("\n\n")

    draft = generate_reply(client=client, customer_text="¿alquilan andamios?")

    assert draft.handoff is False
    assert draft.text == NOTE.split("\n\n")[2]
    assert draft.knowledge_id == note.pk


@pytest.fixture
def big_base():
    client = ClientFactory(business_name="Almacén Grande")
    PersonaFactory(client=client)
    KnowledgeEntry.objects.bulk_create(
        [
            KnowledgeEntry(client=client, question=f"¿Tienen el producto {n} modelo{n}?", answer=f"Sí, modelo{n}.")
            for n in range(499)
        ]
        + [KnowledgeEntry(client=client, question="", answer=NOTE)]
    )
    return client


def test_a_prompt_over_500_entries_carries_at_most_the_top_ones(big_base, use_openai):
    use_openai.reply = "Sí, alquilamos andamios por días o semanas."

    draft = generate_reply(client=big_base, customer_text="¿alquilan andamios por semanas?")

    assert draft.provider == "openai"
    system = use_openai.requests[0]["messages"][0]["content"]
    knowledge = system.split("Knowledge base:")[1]
    listed = [line for line in knowledge.splitlines() if line.startswith("- ")]
    assert 1 <= len(listed) <= PROMPT_KNOWLEDGE_ENTRIES
    # The passage that answers comes first, alone: not the note's other paragraphs.
    assert listed[0] == f"- Note: {NOTE.split(chr(10) * 2)[2]}"
    assert "ferretería familiar" not in system
    assert sum("modelo" in line for line in listed) <= PROMPT_KNOWLEDGE_ENTRIES - 1


def test_a_prompt_over_500_entries_ranks_the_asked_entry_first(big_base, use_openai):
    generate_reply(client=big_base, customer_text="¿tienen el modelo417?")
    knowledge = use_openai.requests[0]["messages"][0]["content"].split("Knowledge base:")[1]
    listed = [line for line in knowledge.splitlines() if line.startswith("- ")]
    assert len(listed) <= PROMPT_KNOWLEDGE_ENTRIES
    assert listed[0] == "- Q: ¿Tienen el producto 417 modelo417?"
