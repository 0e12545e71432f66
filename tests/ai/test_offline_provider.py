"""The offline provider on a Spanish FAQ with paraphrased, misspelled questions (no model, no network)."""

import pytest

from ai.matching import KnowledgeIndex, KnowledgeItem
from ai.providers import OfflineProvider
from ai.providers.base import PersonaBrief, ReplyRequest
from ai.text import cut_on_sentence, detect_language, fold
from tests.ai.support import FAQ

ITEMS = [KnowledgeItem(id=i, question=e["question"], answer=e["answer"]) for i, e in enumerate(FAQ["entries"])]
KEYS = {i: e["key"] for i, e in enumerate(FAQ["entries"])}
PERSONA = PersonaBrief(business_name="Clínica Dental Sonrisa", business_hours="lunes a viernes de 8 a 18")


def ask(text: str, *, items=ITEMS, persona=PERSONA, language="es"):
    return OfflineProvider().reply(ReplyRequest(persona=persona, message=text, language=language, knowledge=items))


def test_fixture_is_large_enough():
    assert len(FAQ["entries"]) >= 10
    assert len({q["expected"] for q in FAQ["questions"]}) >= 10


def test_paraphrased_and_misspelled_questions_are_answered_from_the_right_entry():
    right = [q["text"] for q in FAQ["questions"] if KEYS.get(ask(q["text"]).knowledge_id) == q["expected"]]
    wrong = [q["text"] for q in FAQ["questions"] if q["text"] not in right]
    # Measured: 24 of 24 (bench/ai_offline.py prints the same figure). The issue asks for at least 9 of 10.
    assert len(right) / len(FAQ["questions"]) >= 0.9, wrong


def test_answers_carry_the_entry_text_and_do_not_hand_off():
    reply = ask("cuanto vale la limpiesa de dientes")
    assert reply.text == FAQ["entries"][2]["answer"]
    assert reply.handoff is False


@pytest.mark.parametrize("question", FAQ["unrelated"])
def test_unrelated_questions_are_handed_off_politely(question):
    reply = ask(question)
    assert reply.handoff is True
    assert reply.knowledge_id is None
    assert "persona de nuestro equipo" in reply.text


def test_greeting_gets_a_greeting_not_a_handoff():
    reply = ask("Holaaa buenas tardes")
    assert reply.handoff is False
    assert "Clínica Dental Sonrisa" in reply.text


def test_greeting_with_a_question_answers_it_with_a_hello():
    reply = ask("hola! tienen parqueadero?")
    assert reply.text.startswith("¡Hola! ")
    assert "parqueadero gratis" in reply.text


def test_hours_come_from_the_persona_when_no_entry_says_them():
    reply = ask("a que hora abren?", items=[])
    assert reply.handoff is False
    assert "lunes a viernes de 8 a 18" in reply.text


def test_english_customer_gets_an_english_handoff():
    reply = ask("can you fix my phone?", language="en")
    assert reply.handoff is True
    assert "A person from our team" in reply.text


def test_free_text_notes_answer_questions_they_cover():
    note = KnowledgeItem(id=99, question="", answer="Tenemos servicio de domicilio en toda la ciudad por $5.000.")
    reply = ask("hacen domicilios?", items=[note])
    assert reply.knowledge_id == 99


def test_accents_case_and_repeated_letters_fold_away():
    assert fold("¿DÓNDE están ubicadoooos?") == "donde estan ubicados"


def test_ranking_orders_entries_by_relevance():
    ranked = KnowledgeIndex(ITEMS).rank("quiero cancelar mi cita", limit=3)
    assert [KEYS[m.item.id] for m in ranked][:2] == ["cancelar", "cita"]
    assert ranked[0].score > ranked[1].score


def test_language_detection():
    assert detect_language("¿Cuánto cuesta el envío?") == "es"
    assert detect_language("How much is the delivery?") == "en"
    assert detect_language("ok", default="es") == "es"


def test_cut_on_sentence_keeps_whole_sentences_within_the_limit():
    text = "Primera frase corta. Segunda frase algo más larga que la primera. Tercera frase."
    cut = cut_on_sentence(text, 60)
    assert cut == "Primera frase corta."
    assert len(cut_on_sentence("palabra " * 1000, 4096)) <= 4096
    assert cut_on_sentence("palabra " * 1000, 4096).endswith("…")
    assert cut_on_sentence("Corto.", 4096) == "Corto."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "wants"),
    [
        ("Quiero hablar con un asesor", True),
        ("me comunicas con una persona por favor", True),
        ("PERSONA!!", True),
        ("necesito un humano", True),
        ("Can I talk to a human?", True),
        ("I want an agent", True),
        ("¿puede venir otra persona conmigo a la cita de mañana?", False),
        ("¿cuánto cuesta por persona?", False),
        ("¿tienen parqueadero?", False),
    ],
)
def test_requests_for_a_person(text, wants):
    from ai.models import Persona
    from ai.replies import customer_wants_person
    from tests.factories import ClientFactory

    assert customer_wants_person(text, Persona(client=ClientFactory())) is wants


@pytest.mark.django_db
def test_personas_own_handoff_triggers():
    from ai.models import Persona
    from ai.replies import customer_wants_person
    from tests.factories import ClientFactory

    persona = Persona(client=ClientFactory(), handoff_keywords="reclamo\nquiero devolver, garantía")
    assert customer_wants_person("Tengo un RECLAMO", persona)
    assert customer_wants_person("se daño, la garantia?", persona)
    assert not customer_wants_person("¿tienen parqueadero?", persona)
