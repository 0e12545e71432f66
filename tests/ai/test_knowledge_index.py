"""The per-client matching index: built once per knowledge version, rebuilt when entries or facts change."""

import pytest

from ai import selectors, services
from ai.providers.offline import OfflineProvider
from ai.replies import generate_reply
from ai.selectors import knowledge_index
from tests.factories import ClientFactory, PersonaFactory

pytestmark = pytest.mark.django_db

FACTS = {"hours": "Lunes a viernes de 8 a 18", "address": "", "booking": ""}


@pytest.fixture
def shop():
    client = ClientFactory(business_name="Panadería Lupe")
    PersonaFactory(client=client, business_hours=FACTS["hours"], business_description="Panadería de barrio.")
    return client


def test_the_index_is_reused_while_nothing_changes(shop):
    services.knowledge_entry_create(client=shop, question="¿Tienen pan integral?", answer="Sí, todos los días.")
    assert knowledge_index(client=shop, facts=FACTS) is knowledge_index(client=shop, facts=FACTS)


def test_a_reply_with_the_offline_provider_uses_the_cached_index_instead_of_building_one(shop, monkeypatch):
    """Building the index costs milliseconds; a reply must read the one cached for this knowledge version."""
    services.knowledge_entry_create(client=shop, question="¿Tienen pan integral?", answer="Sí, todos los días.")
    knowledge_index(client=shop, facts=FACTS)
    monkeypatch.setattr(OfflineProvider, "index_for", staticmethod(lambda request: pytest.fail("index built")))
    assert generate_reply(client=shop, customer_text="venden pan integral?").text == "Sí, todos los días."


def test_the_index_is_rebuilt_after_an_entry_is_edited(shop):
    entry = services.knowledge_entry_create(client=shop, question="¿Tienen pan integral?", answer="Sí, todos los días.")
    before = knowledge_index(client=shop, facts=FACTS)
    assert before.best("venden pan integral?").item.answer == "Sí, todos los días."

    services.knowledge_entry_update(
        entry=entry, data={"question": "¿Hacen tortas de cumpleaños?", "answer": "Sí, por encargo."}
    )

    after = knowledge_index(client=shop, facts=FACTS)
    assert after is not before
    assert after.best("hacen tortas de cumpleaños?").item.answer == "Sí, por encargo."
    assert after.best("venden pan integral?") is None


def test_the_index_is_rebuilt_after_an_entry_is_deleted_and_another_added(shop):
    first = services.knowledge_entry_create(client=shop, question="¿Tienen pan integral?", answer="Sí.")
    services.knowledge_entry_create(client=shop, question="¿Hacen domicilios?", answer="Sí, en el barrio.")
    before = knowledge_index(client=shop, facts=FACTS)
    services.knowledge_entry_delete(entry=first)
    services.knowledge_entry_create(client=shop, question="¿Venden café?", answer="Sí, café de Huila.")

    after = knowledge_index(client=shop, facts=FACTS)
    assert after is not before
    assert [item.question for item in after.items] == ["¿Hacen domicilios?", "¿Venden café?"]


def test_a_changed_persona_fact_rebuilds_the_index_and_the_reply_follows(shop):
    assert "Lunes a viernes de 8 a 18" in generate_reply(client=shop, customer_text="¿Cuál es el horario?").text

    services.persona_update(client=shop, data={"business_hours": "Todos los días de 6 a 20"})

    draft = generate_reply(client=shop, customer_text="¿Cuál es el horario?")
    assert draft.text == "Nuestro horario: Todos los días de 6 a 20"
    assert draft.handoff is False


def test_the_version_key_comes_from_the_database_so_every_process_sees_an_edit(shop):
    entry = services.knowledge_entry_create(client=shop, question="¿Tienen pan integral?", answer="Sí.")
    version = selectors.knowledge_version(client=shop)
    services.knowledge_entry_update(entry=entry, data={"answer": "Sí, y de centeno."})
    assert selectors.knowledge_version(client=shop) != version


def test_each_client_has_its_own_index(shop):
    other = ClientFactory()
    services.knowledge_entry_create(client=other, question="¿Tienen pan integral?", answer="Del otro cliente.")
    assert knowledge_index(client=shop, facts=FACTS).best("tienen pan integral?") is None
