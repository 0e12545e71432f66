"""Migration ai.0006 gives every stored persona the details a request needs; delivering businesses ask the address."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ai.models import Persona
from tests.factories import connected_number

BEFORE = [("ai", "0005_split_greeting")]


@pytest.mark.django_db(transaction=True)
def test_stored_personas_get_the_default_details_and_the_address_when_they_deliver():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps.get_model("ai", "Persona")
    salon = connected_number(client__business_name="Salón").client
    bakery = connected_number(client__business_name="Panadería").client
    old.objects.create(client_id=salon.pk, business_description="Peluquería", booking_instructions="Escríbenos")
    old.objects.create(client_id=bakery.pk, business_description="Pan", booking_instructions="Pedidos a domicilio")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    got = dict(Persona.objects.values_list("client__business_name", "request_fields"))
    assert got == {
        "Salón": "Nombre\nServicio o producto\nDía y hora",
        "Panadería": "Nombre\nServicio o producto\nDía y hora\nDirección",
    }
