"""Precision rules of the offline matcher (issue 13, fifth round): a short word is not read as a longer
word two letters away, a business word that is "of" something the business never mentions answers
nothing, and Colombian ways of asking that name nothing (no database)."""

from __future__ import annotations

import pytest

from ai.matching import KnowledgeIndex, KnowledgeItem, content_words

CLINIC = [
    KnowledgeItem(id=1, question="¿Cuánto cuesta una limpieza dental?", answer="La limpieza dental cuesta $120.000."),
    KnowledgeItem(id=2, question="¿Hacen blanqueamiento dental?", answer="Sí, con láser en una sesión; $450.000."),
    KnowledgeItem(id=3, question="¿Hacen implantes dentales?", answer="Sí, implantes de titanio desde $2.800.000."),
    KnowledgeItem(id=4, question="¿Tienen parqueadero?", answer="Sí, gratis en el sótano, para carros y motos."),
]
SHOP = [
    KnowledgeItem(id=11, question="¿Qué tallas manejan?", answer="De la XS a la XXL; calzado del 34 al 44."),
    KnowledgeItem(id=12, question="¿Tienen ropa para hombre?", answer="Camisas, camisetas, jeans y bermudas."),
    KnowledgeItem(id=13, question="¿Tienen catálogo?", answer="En Instagram @modaurbana y en la página modaurbana.co."),
    KnowledgeItem(id=14, question="¿Venden bonos de regalo?", answer="Sí, tarjetas de regalo desde $50.000."),
    KnowledgeItem(id=15, question="¿Hacen envíos?", answer="A todo el país en 2 a 5 días."),
]
BAR = [
    KnowledgeItem(id=81, question="¿Cobran descorche?", answer="Sí, $25.000 por botella."),
    KnowledgeItem(id=82, question="¿La propina está incluida?", answer="Es voluntaria: sugerimos el 10 %."),
    KnowledgeItem(id=83, question="¿Venden cerveza o licor?", answer="Cerveza, aguardiente, ron y vino."),
]
SALON = [
    KnowledgeItem(id=21, question="¿Cuánto cuesta una limpieza facial?", answer="La limpieza facial cuesta $120.000."),
    KnowledgeItem(id=22, question="¿Hacen masajes?", answer="Masajes relajantes de 60 minutos por $110.000."),
]
ABOUT = {"about": "Negocio de prueba en Bogotá."}


def answered(items, text):
    match = KnowledgeIndex(items, ABOUT).best(text)
    return None if match is None else match.item.id


def test_a_short_word_two_letters_away_is_another_word():
    index = KnowledgeIndex(SHOP, ABOUT)
    # "casa" is four letters of "camisa" (fuzz ratio 80) but no slip for it, nor "medida" for "mediodía"
    assert ("camis", "=ropa") not in index.query_words("la clave de mi casa")
    assert ("mediodi", "=horario") not in index.query_words("hacen vestidos a la medida?")
    # a one-letter slip of a short word and a longer word's slips are still corrected
    assert ("bon", "=bono") in index.query_words("venden vonos?")
    assert ("catalog", "=catalogo") in index.query_words("tienen catalojo?")


@pytest.mark.parametrize(
    "text",
    [
        "me pueden hacer una limpieza del computador?",
        "hacen blanqueamiento de axilas?",
        "cuanto vale un implante de cabello?",
    ],
)
def test_a_business_word_of_something_unknown_answers_nothing(text):
    assert answered(CLINIC, text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cuanto vale la limpieza dental?", 1),
        ("hacen blanqueamiento de dientes?", 2),  # "dientes" is the clinic's word ("dental")
        ("tienen parqueadero para carros?", 4),  # "para" says what for, not what of
    ],
)
def test_a_business_word_of_something_known_still_answers(text, expected):
    assert answered(CLINIC, text) == expected


@pytest.mark.parametrize(
    ("items", "text", "expected"),
    [
        (SHOP, "bacano, tienen ropa pa hombre?", 12),
        (SHOP, "oiga parce tienen pagina web?", 13),
        (SHOP, "venden gift cards", 14),
        (SHOP, "mandan domi?", 15),
        (SALON, "que mas, cuanto vale una limpieza de cara", 21),
        (SALON, "me regala info de los masajes", 22),
        (BAR, "cuanto cobran por destapar un vino que uno lleve", 81),
        (BAR, "me cobran el servicio en la cuenta?", 82),
        (SHOP, "manejan tallas pequeñas para mujer?", 11),  # a size word asks for sizes
        (
            [*SHOP, KnowledgeItem(id=16, question="¿Venden al por mayor?", answer="Desde 12 unidades.")],
            "y por docena?",
            16,
        ),
    ],
)
def test_colombian_words(items, text, expected):
    assert answered(items, text) == expected


def test_filler_words_name_nothing():
    assert content_words("oiga, bacano, super chevere todas las tallas") == ["tallas"]


INSURED = [
    KnowledgeItem(id=31, question="¿Trabajan con EPS o medicina prepagada?", answer="Con Colsanitas y Sura prepagada."),
    KnowledgeItem(id=32, question="¿Tienen parqueadero?", answer="Sí, en el sótano del edificio."),
]
INSURED_FACTS = {"address": "Calle 45 #12-30, Chapinero, Bogotá.", "about": "Clínica Dental Sonrisa en Bogotá."}


def test_where_is_not_answered_by_an_entry_that_says_nowhere():
    index = KnowledgeIndex(INSURED, INSURED_FACTS)
    assert index.best("¿dónde queda la EPS Sura más cercana?") is None
    assert index.best("trabajan con Sura?").item.id == 31
    assert index.best("donde quedan?").fact == "address"


def test_how_a_garment_fits_is_no_where():
    # ("compré" tells what happened, not what is asked: tests/ai/test_matching_intents.py)
    assert content_words("compre unos cucos y no me quedaron, los cambian?") == ["cucos", "cambian"]


def test_a_business_word_with_something_unknown_answers_nothing():
    items = [KnowledgeItem(id=41, question="¿Cómo cancelo mi cita?", answer="Hasta 24 horas antes, por aquí.")]
    assert answered(items, "tienen cita con dermatologo?") is None
    assert answered(items, "como cancelo la cita?") == 41


GARMENTS = [
    KnowledgeItem(id=51, question="¿Puedo cambiar una prenda?", answer="Sí, tienes 30 días con la factura."),
    KnowledgeItem(id=52, question="¿Puedo separar una prenda?", answer="Te la apartamos 48 horas con un abono."),
    KnowledgeItem(id=53, question="¿Tienen ropa para hombre?", answer="Camisas, jeans y bermudas para caballero."),
    KnowledgeItem(id=54, question="¿Qué medios de pago aceptan?", answer="Efectivo, tarjetas, Nequi y PSE."),
    KnowledgeItem(id=55, question="¿Puedo pagar contraentrega?", answer="Sí, en Cali y Bogotá."),
]


@pytest.mark.parametrize("text", ["venden prendas para bebe?", "donde puedo ver todas las prendas q tienen"])
def test_a_message_that_does_not_tell_entries_apart_is_handed_off(text):
    # "prenda" is in two entries' questions (and "ropa", its synonym, in a third), nothing else in any
    assert answered(GARMENTS, text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("puedo cambiar una prenda?", 51),
        ("me separan una blusa?", 52),
        ("reciben nequi?", 54),  # both payment entries say "pago"; only one names Nequi
    ],
)
def test_a_message_that_tells_them_apart_is_answered(text, expected):
    assert answered(GARMENTS, text) == expected


def test_how_one_asks_is_not_what_about():
    assert content_words("como es el proceso para comprar una blusa que vi") == ["comprar", "blusa"]


CARRIER = [
    KnowledgeItem(id=61, question="¿Hacen envíos?", answer="Por Servientrega a todo el país en 2 a 5 días."),
    KnowledgeItem(id=62, question="¿Tienen catálogo?", answer="En Instagram @modaurbana."),
]
CARRIER_FACTS = {"address": "Centro Comercial Unicentro, local 214, Cali.", "about": "Moda Urbana, tienda de ropa."}


@pytest.mark.parametrize(
    "text", ["donde queda el Servientrega mas cercano?", "¿dónde queda la oficina de Servientrega?"]
)
def test_where_is_something_our_address_does_not_name_is_not_our_address(text):
    # "Servientrega" is known (the shipping answer names it) but it is not where we are
    assert KnowledgeIndex(CARRIER, CARRIER_FACTS).best(text) is None


@pytest.mark.parametrize(
    "text", ["donde queda el local de Unicentro?", "me das la direccion para ponerla en el waze", "donde quedan?"]
)
def test_where_we_are_is_still_our_address(text):
    assert KnowledgeIndex(CARRIER, CARRIER_FACTS).best(text).fact == "address"


def test_the_last_of_a_chain_of_words_can_be_what_is_unknown():
    items = [KnowledgeItem(id=71, question="¿Tienen wifi?", answer="Sí, la clave está en la carta.")]
    assert answered(items, "la clave del wifi de mi casa como la cambio?") is None  # "wifi de mi casa"
    assert answered(items, "cual es la clave del wifi?") == 71
