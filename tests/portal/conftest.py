"""Two tenants with owners, agents, numbers, conversations and knowledge: the portal tests' world."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from tenants.models import Client, Membership, WhatsAppNumber
from tests.factories import (
    ConversationFactory,
    KnowledgeEntryFactory,
    MembershipFactory,
    MessageFactory,
    UserFactory,
    connected_number,
)
from tests.whatsapp.api_support import api_for  # noqa: F401  (fixture)
from whatsapp.models import Conversation, Message

PASSWORD = "portal-pass-123"


@dataclass
class Tenant:
    client: Client
    owner: object
    agent: object
    number: WhatsAppNumber
    conversation: Conversation
    inbound: Message


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def open_conversation(number: WhatsAppNumber, *, hours_ago: float = 1, name: str = "Ana", **kwargs) -> Conversation:
    """A conversation whose customer wrote `hours_ago` hours ago (the 24-hour window is open under 24)."""
    written = timezone.now() - timedelta(hours=hours_ago)
    conversation = ConversationFactory(
        number=number,
        contact__profile_name=name,
        last_inbound_at=written,
        last_message_at=written,
        **kwargs,
    )
    MessageFactory(conversation=conversation, text="Hola, ¿tienen domicilio?", created_at=written)
    return conversation


def make_tenant(name: str) -> Tenant:
    number = connected_number(client__business_name=name)
    client = number.client
    owner = MembershipFactory(client=client, role=Membership.Role.OWNER, user__password=PASSWORD).user
    agent = MembershipFactory(client=client, role=Membership.Role.AGENT, user__password=PASSWORD).user
    conversation = open_conversation(number, name=f"Cliente de {name}")
    KnowledgeEntryFactory(client=client)
    return Tenant(client, owner, agent, number, conversation, conversation.messages.get())


@pytest.fixture
def tenant(db) -> Tenant:
    return make_tenant("Panadería Uno")


@pytest.fixture
def other(db) -> Tenant:
    return make_tenant("Ferretería Dos")


@pytest.fixture
def owner_client(client, tenant):
    """Django's test client logged in as the tenant's owner."""
    client.force_login(tenant.owner)
    return client


@pytest.fixture
def agent_client(client, tenant):
    client.force_login(tenant.agent)
    return client


@pytest.fixture
def staff_user(db):
    return UserFactory(is_staff=True, password=PASSWORD)
