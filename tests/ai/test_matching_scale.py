"""The offline matcher on a large knowledge base, and the Colombian Spanish it reads (no database).

A base padded with hundreds of look-alike entries ("¿Catálogo de pedido para bodega 17?") must still answer
from the entry a question is about, and still hand off what no entry answers.
"""

from __future__ import annotations

import random

import pytest

from ai.matching import KnowledgeIndex, KnowledgeItem, alternatives, content_words, same_onset
from ai.providers.base import PersonaBrief, ReplyRequest
from ai.providers.offline import OfflineProvider

SHOP = [
    KnowledgeItem(id=1, question="¿Qué tallas manejan?", answer="De la XS a la XXL en ropa y del 34 al 44 en calzado."),
    KnowledgeItem(id=2, question="¿Tienen catálogo?", answer="Nuestro catálogo completo está en Instagram @moda."),
    KnowledgeItem(id=3, question="¿Tienen descuentos o promociones?", answer="Los martes hay 2x1 en camisetas."),
    KnowledgeItem(id=4, question="¿Venden bonos de regalo?", answer="Sí, tarjetas de regalo desde $50.000."),
    KnowledgeItem(id=5, question="¿Tienen parqueadero?", answer="Sí, parqueadero gratis para carros y motos."),
    KnowledgeItem(id=6, question="¿Qué medios de pago aceptan?", answer="Efectivo, tarjetas, Nequi y Daviplata."),
    KnowledgeItem(id=7, question="¿Hacen eventos o celebraciones?", answer="Tenemos un salón para 40 personas."),
]
# 36 words, each in about a tenth of the look-alikes
_FILLER = """
garantia devolucion producto servicio cliente pedido factura color modelo catalogo promocion descuento
tarjeta regalo clase curso taller evento plan sucursal bodega repuesto accesorio revision paquete combo
membresia inscripcion mensualidad importado nacional mantenimiento instalacion asesoria tienda referencia
"""
FILLER_WORDS = tuple(_FILLER.split())


def padded(items: list[KnowledgeItem], size: int) -> list[KnowledgeItem]:
    """`items` and look-alike entries up to `size`, each about three common business words at once."""
    rng = random.Random(3)
    filler = []
    for n in range(size - len(items)):
        a, b, c, d = rng.sample(FILLER_WORDS, 4)
        filler.append(KnowledgeItem(id=1000 + n, question=f"¿{a} de {b} para {c} {n}?", answer=f"{a} {b} {c} {d}."))
    return items + filler


@pytest.fixture(scope="module")
def big():
    return KnowledgeIndex(padded(SHOP, 500))


def answered(index: KnowledgeIndex, text: str):
    match = index.best(text)
    return None if match is None else (match.item.id if match.item else "@" + match.fact)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "catálogo" is in a tenth of the entries: the one about nothing else answers, at any size of base.
        ("me pasas el catalogo", 2),
        ("hay alguna promo?", 3),  # the entry asks "descuentos o promociones": either is all it is about
        ("hay eventos?", 7),
        ("qué tallas hay", 1),  # "taller" of the look-alikes has the same stem
        ("venden tarjetas de regalo?", 4),  # one word, not "tarjeta" (payment) and "regalo" (hundreds of entries)
    ],
)
def test_a_padded_base_still_answers_from_the_entry_a_question_is_about(big, text, expected):
    assert answered(big, text) == expected


def test_a_padded_base_finds_the_entry_a_synonym_names_below_hundreds_that_use_the_word(big):
    # "productos" is the catalogue's synonym; hundreds of entries say "producto" itself and outrank it in BM25.
    assert answered(big, "donde puedo ver todos los productos") == 2
    assert answered(KnowledgeIndex(SHOP), "donde puedo ver todos los productos") == 2


def test_a_padded_base_does_not_answer_what_no_entry_is_about(big):
    # "repuestos" is now a word of the base (the look-alikes), but the parking entry covers only "moto",
    # in its answer: an answer-only word weighs more only when that entry has every word asked about.
    assert answered(big, "¿Venden repuestos para moto?") is None
    assert answered(big, "¿tienen servicio de grúa?") is None
    assert answered(KnowledgeIndex(SHOP), "¿Venden repuestos para moto?") is None


def test_alternatives_keep_a_questions_either_or_together():
    assert alternatives("¿Hacen eventos o celebraciones?") == [["eventos", "celebraciones"]]
    assert alternatives("¿Cómo cancelo o cambio mi cita?") == [["cancelo", "cambio"], ["cita"]]
    assert content_words("¿Hacen eventos o celebraciones?") == ["eventos", "celebraciones"]


def test_a_misspelling_keeps_its_first_sound():
    assert same_onset("limpiesa", "limpieza")
    assert same_onset("sapatos", "zapatos") and same_onset("bacuna", "vacuna") and same_onset("ora", "hora")
    assert not same_onset("canina", "nina")
    salon = KnowledgeIndex(
        [KnowledgeItem(id=1, question="¿Atienden a niñas?", answer="Sí, desde los 5 años.")],
        {"address": "Calle 85 #15-30, Bogotá.", "about": "Peluquería en Bogotá"},
    )
    assert salon.best("¿dónde queda la peluquería canina?") is None  # "canina" is not a misspelt "niña"
    assert salon.best("¿dónde queda la peluquería?").fact == "address"


CLINIC = [
    KnowledgeItem(id=1, question="¿Trabajan con EPS o prepagada?", answer="Con EPS no tenemos convenio."),
    KnowledgeItem(id=2, question="¿Cobran descorche?", answer="Sí, $25.000 por botella."),
    KnowledgeItem(id=3, question="¿Cómo agendo una cita?", answer="Escríbenos el servicio, el día y la hora."),
    KnowledgeItem(id=4, question="¿Hacen domicilios?", answer="Sí, el envío cuesta $5.000."),
    KnowledgeItem(id=5, question="¿Cuánto cuesta la bandeja paisa?", answer="$32.000 con frijoles."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("atienden con colsanitas", 1),  # a Colombian prepagada reads as insurance
        ("reciben sura?", 1),
        ("me regala el precio de la bandeja paisa", 5),  # "me regala" asks, it is no gift
        ("parce cuanto vale la bandeja", 5),
        ("quiero una cita para mañana", 3),  # "mañana" typed with ñ is still "tomorrow", not "mandan" (delivery)
    ],
)
def test_colombian_spanish_is_read_as_meant(text, expected):
    assert answered(KnowledgeIndex(CLINIC), text) == expected


def test_manana_with_enye_is_a_stop_word_but_unas_is_not():
    assert content_words("para mañana") == []
    assert content_words("señora, las uñas") == ["unas"]


def test_an_everyday_word_alone_is_no_evidence():
    # The booking answer says "el día y la hora", but "¿qué día es hoy?" asks nothing about booking.
    assert answered(KnowledgeIndex(CLINIC), "¿qué día es hoy?") is None


def reply(text: str):
    persona = PersonaBrief(business_name="Clínica Sonrisa", business_hours="Lunes a viernes de 8 a 18.")
    request = ReplyRequest(persona=persona, message=text, language="es", knowledge=CLINIC)
    return OfflineProvider(min_confidence=0.44).reply(request)


@pytest.mark.django_db
def test_a_question_with_greeting_words_is_not_a_greeting():
    assert reply("buen día").source == "greeting"
    assert reply("hola, ¿qué tal?").source == "greeting"
    assert reply("¿qué día es hoy?").source not in ("greeting", "thanks", "knowledge")
