"""The offline matcher on questions as Colombian customers type them: an entry that restates a persona fact,
verbs of a noun's family, greetings and number words, long messages, Colombian words (no database)."""

from __future__ import annotations

import pytest

from ai.matching import KnowledgeIndex, KnowledgeItem, content_words, verb_root

SALON = [
    KnowledgeItem(id=1, question="¿Dónde quedan?", answer="Estamos en la Calle 85 #15-30, Chicó, Bogotá."),
    KnowledgeItem(id=2, question="¿Hacen depilación láser?", answer="Sí, láser diodo; la valoración es gratis."),
    KnowledgeItem(id=3, question="¿Hacen depilación con cera?", answer="Piernas completas $60.000, axilas $20.000."),
    KnowledgeItem(id=4, question="¿Cuánto vale el manicure?", answer="Manicure tradicional $25.000."),
]
SALON_FACTS = {
    "hours": "Lunes a viernes de 9:00 a 19:00.",
    "address": "Calle 85 #15-30, Chicó, Bogotá.",
    "booking": "Citas por este chat: servicio, día y hora.",
    "about": "Estética Bella Piel Centro de estética en Bogotá.",
}

SHOP = [
    KnowledgeItem(id=1, question="¿Qué tallas manejan?", answer="De la XS a la XXL en ropa y del 34 al 44 en calzado."),
    KnowledgeItem(id=2, question="¿Qué garantía tienen los zapatos?", answer="El calzado tiene 60 días de garantía."),
    KnowledgeItem(id=3, question="¿Hacen envíos a otras ciudades?", answer="Enviamos a todo Colombia en 2 a 5 días."),
    KnowledgeItem(id=4, question="¿Puedo cambiar una prenda?", answer="Tienes 30 días con la factura."),
    KnowledgeItem(id=5, question="¿Tienen catálogo?", answer="Está en Instagram @modaurbanacali."),
]
SHOP_FACTS = {
    "hours": "Lunes a sábado de 9 a 20.",
    "address": "Centro Comercial Unicentro, local 214, Cali.",
    "booking": "Envíanos la foto de la prenda, la talla y tu ciudad.",
    "about": "Moda Urbana Tienda de ropa y calzado en Cali.",
}

CLINIC = [
    KnowledgeItem(id=1, question="¿Cuánto cuesta una limpieza dental?", answer="La limpieza dental cuesta $120.000."),
    KnowledgeItem(id=2, question="¿Hacen blanqueamiento dental?", answer="Blanqueamiento láser, $450.000."),
    KnowledgeItem(id=3, question="¿Trabajan con EPS o medicina prepagada?", answer="Con Colsanitas y Sura."),
    KnowledgeItem(id=4, question="¿Hacen ortodoncia?", answer="Brackets metálicos y alineadores invisibles."),
    KnowledgeItem(id=5, question="¿Atienden urgencias?", answer="Atendemos urgencias el mismo día."),
    KnowledgeItem(id=6, question="¿Hacen implantes dentales?", answer="Implantes de titanio desde $2.800.000."),
]

CLINIC_FACTS = {
    "hours": "Lunes a viernes de 8:00 a. m. a 6:00 p. m.",
    "address": "Calle 45 #12-30, Chapinero, Bogotá.",
    "about": "Clínica Dental Sonrisa Clínica odontológica en Bogotá.",
}

RESTAURANT = [
    KnowledgeItem(id=1, question="¿Cobran descorche?", answer="Sí, $25.000 por botella de vino o licor."),
    KnowledgeItem(id=2, question="¿Venden cerveza o licor?", answer="Cerveza, aguardiente, ron y cócteles."),
    KnowledgeItem(id=3, question="¿Tienen opciones sin gluten?", answer="Las arepas y las carnes no llevan gluten."),
    KnowledgeItem(id=4, question="¿Tienen wifi?", answer="Sí, la clave está en la carta."),
    KnowledgeItem(id=5, question="¿Se puede ir con mascotas?", answer="Las mascotas son bienvenidas en la terraza."),
]


def answered(index, text):
    match = index.best(text)
    return None if match is None else (match.item.id if match.item else "@" + match.fact)


@pytest.fixture(scope="module")
def salon():
    return KnowledgeIndex(SALON, SALON_FACTS)


@pytest.fixture(scope="module")
def shop():
    return KnowledgeIndex(SHOP, SHOP_FACTS)


@pytest.mark.parametrize("text", ["me regala la direccion pls", "donde queda el local exactamente"])
def test_the_owners_entry_about_a_fact_answers_rather_than_the_fact(salon, text):
    assert answered(salon, text) == 1


@pytest.mark.parametrize("text", ["donde queda la notaria 20 de bogota", "¿dónde queda la embajada?"])
def test_an_entry_restating_the_address_is_not_somebody_elses_address(salon, text):
    assert answered(salon, text) is None


def test_the_fact_still_answers_when_no_entry_restates_it(shop):
    assert answered(shop, "me regala la direccion pls") == "@address"


def test_a_verb_reads_as_the_noun_of_its_family():
    assert verb_root("blanquearse") == "blanque"
    assert verb_root("quitarme") == ""  # too short a root to tell anything
    assert answered(KnowledgeIndex(CLINIC), "cuanto vale blanquearse los dientes") == 2


def test_greetings_and_number_words_are_not_what_is_asked():
    words = content_words("hola buenas tardes, hace dos años no voy, q precio tiene la limpieza")
    assert not {"hola", "buenas", "tardes", "dos"} & set(words)
    assert (
        answered(
            KnowledgeIndex(CLINIC),
            "hola buenas, hace como dos años no voy y tengo mucho sarro, q precio tiene la limpieza",
        )
        == 1
    )


def test_an_asking_verb_with_a_pronoun_asks_nothing():
    assert "pedirla" not in content_words("como es el proceso para pedirla")
    assert "mandarla" in content_words("pueden mandarla")  # not an asking word


def test_the_question_inside_a_long_message_is_answered(shop):
    text = (
        "buenas, yo vivo en bucaramanga y me gusto mucho un vestido de los que suben en instagram, "
        "me lo pueden mandar hasta aca?"
    )
    assert answered(shop, text) == 3


def test_a_long_message_whose_question_is_not_ours_is_handed_off():
    index = KnowledgeIndex(CLINIC, CLINIC_FACTS)
    assert answered(index, "quiero trabajar con ustedes") == 3  # its first part alone reads as the insurers'
    assert answered(index, "quiero trabajar con ustedes, reciben hojas de vida?") is None


def test_an_entry_whose_own_question_is_covered_comes_first():
    # In a base where several entries say "talla", "tenis" (footwear) weighs most: the sizes entry, whose
    # own question is entirely asked, answers rather than the shoes' guarantee, which only shares "tenis".
    filler = [
        KnowledgeItem(id=100 + n, question=f"¿{word} de talla {n}?", answer=f"{word} talla referencia {n}.")
        for n, word in enumerate(("bodega", "color", "modelo", "plan", "combo", "curso", "taller", "paquete"))
    ]
    index = KnowledgeIndex(SHOP + filler, SHOP_FACTS)
    assert answered(index, "hay tenis talla 42?") == 1
    assert answered(index, "q tallas tienen en calzado") == 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("compre una blusa y me quedo pequeña, la puedo cambiar?", 4),  # how it fits, not where we are
        ("tienen instagram?", 5),
    ],
)
def test_shop_words(shop, text, expected):
    assert answered(shop, text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("si llevo mi botella de vino me cobran?", 1),
        ("puedo llevar mi propio vino?", 1),
        ("soy celiaco q puedo comer alla", 3),
        ("cual es la clave del guifi", 4),
        ("puedo llevar a mi perro", 5),
        ("venden aguardiente?", 2),
    ],
)
def test_restaurant_words(text, expected):
    assert answered(KnowledgeIndex(RESTAURANT), text) == expected


def test_hair_removal_in_the_customers_words(salon):
    assert answered(salon, "hola, quiero quitarme los vellos de las piernas con laser, como funciona eso") == 2
