"""Two clients side by side, and what "client A's data is unchanged" means, for the tenancy tests.

A client's data is every row of every model that has a `client` foreign key, plus the client row itself:
`client_rows(client)` reads them all, in primary-key order, so comparing two readings
catches a created, changed or deleted row of that client.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.test import Client as DjangoClient
from rest_framework.test import APIClient

from ai.models import KnowledgeEntry
from tenants.authentication import create_api_key
from tenants.models import ApiKey, Client, Membership, WhatsAppNumber
from tenants.tokens import api_token_issue
from tests.factories import KnowledgeEntryFactory, MembershipFactory, PersonaFactory, connected_number
from tests.whatsapp.api_support import open_conversation
from whatsapp.models import Conversation, Message

# Bookkeeping written on behalf of the *caller* by any authenticated request; never another client's data.
CALLER_BOOKKEEPING = {"audit.AuditEntry"}


def client_owned_models() -> list[type[models.Model]]:
    """Every model with a concrete `client` foreign key to tenants.Client."""
    owned = []
    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "client"), None)
        if field is not None and field.is_relation and field.related_model is Client:
            owned.append(model)
    return owned


def client_rows(client: Client, *, skip: set[str] = frozenset()) -> dict[str, list[dict]]:
    """Everything `client` owns, as plain values, keyed by model label."""
    rows: dict[str, list[dict]] = {"tenants.Client": list(Client.objects.filter(pk=client.pk).values())}
    for model in client_owned_models():
        label = model._meta.label
        if label in skip:
            continue
        rows[label] = list(model.objects.filter(client=client).order_by("pk").values())
    return rows


@dataclass
class Tenant:
    """One client with everything an attacker from another client might aim at."""

    client: Client
    owner: object
    number: WhatsAppNumber
    conversation: Conversation
    message: Message
    entry: KnowledgeEntry
    api_key: ApiKey
    raw_api_key: str
    marker: str  # a string only this client's pages and answers may contain

    def session(self) -> DjangoClient:
        """A browser logged in as this client's owner."""
        browser = DjangoClient()
        browser.force_login(self.owner)
        return browser

    def token(self) -> APIClient:
        """An API caller with this client's owner's token."""
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_issue(user=self.owner)}")
        return api

    def key(self) -> APIClient:
        """An integrator with this client's API key."""
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Api-Key {self.raw_api_key}")
        return api


def make_tenant(name: str) -> Tenant:
    marker = f"Marca{name}"
    number = connected_number(client__business_name=f"Negocio {marker}")
    client = number.client
    owner = MembershipFactory(client=client, role=Membership.Role.OWNER, user__password=None).user
    PersonaFactory(client=client, business_description=f"Tienda {marker}")
    conversation = open_conversation(number, contact__profile_name=f"Cliente {marker}")
    entry = KnowledgeEntryFactory(client=client, question=f"¿Horario {marker}?", answer=f"De 8 a 18 {marker}")
    api_key, raw = create_api_key(client=client, name=f"key {marker}")
    return Tenant(client, owner, number, conversation, conversation.messages.get(), entry, api_key, raw, marker)
