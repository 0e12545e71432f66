"""The offline matcher's rules for the questions it used to get wrong: set phrases, answer-only words when
everything asked is known, and "when / where / how much" asked about somebody else (no database)."""

from __future__ import annotations

import pytest

from ai.matching import KnowledgeIndex, KnowledgeItem, content_words, looks_like_verb

SHOP = [
    KnowledgeItem(id=1, question="¿Hacen envíos a otras ciudades?", answer="Enviamos a todo Colombia en 2 a 5 días."),
    KnowledgeItem(id=2, question="¿Puedo pagar contraentrega?", answer="Sí, el pago contraentrega está en Cali."),
    KnowledgeItem(id=3, question="¿Cuánto vale el manicure?", answer="Manicure $25.000 y uñas acrílicas $80.000."),
    KnowledgeItem(id=4, question="¿Tienen catálogo?", answer="Está en Instagram @modaurbana."),
    KnowledgeItem(id=5, question="¿Cómo agendo una cita?", answer="Escríbenos el servicio, el día y la hora."),
]
FACTS = {
    "hours": "Lunes a sábado de 9 a 19; domingos de 10 a 16.",
    "address": "Centro Comercial Unicentro, local 214, Cali.",
    "booking": "Envíanos la referencia y la talla.",
    "about": "Moda Urbana Tienda de ropa y salón de uñas en Cali.",
}


@pytest.fixture(scope="module")
def index():
    return KnowledgeIndex(SHOP, FACTS)


def answered(index, text):
    match = index.best(text)
    return None if match is None else (match.item.id if match.item else "@" + match.fact)


def test_set_phrases_are_one_word():
    assert content_words("¿tienen contra entrega?") == ["contraentrega"]
    assert "menudeldia" in content_words("qué trae el menú del día")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tienen contra entrega en cali", 2),  # not the shipping entry: "entrega" is part of the phrase
        ("en que centro comercial estan?", "@address"),
        ("donde puedo ver todos los productos", 4),
        ("precio de las uñas", 3),  # "uñas" only in the manicure's answer, and nothing asked is unknown
        ("¿a qué hora cierran para recogerlo?", "@hours"),  # an unknown verb is how one asks, not about what
        ("¿abren los domingos?", "@hours"),
        ("¿dónde queda la tienda?", "@address"),
    ],
)
def test_business_questions_find_their_answer(index, text, expected):
    assert answered(index, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "¿a qué hora abre el banco?",
        "¿qué hora es en Madrid?",
        "¿dónde queda la embajada de Estados Unidos?",
        "¿dónde queda la notaría más cercana?",
        "¿a qué hora cierra la registraduría?",
    ],
)
def test_when_and_where_of_somebody_else_are_not_answered_with_ours(index, text):
    assert answered(index, text) is None


def test_verbs_are_told_from_nouns():
    assert all(looks_like_verb(w) for w in ("arreglarme", "trabajan", "consiguieron", "comprarlo"))
    assert not any(looks_like_verb(w) for w in ("banco", "embajada", "madrid", "pan", "notaria"))
