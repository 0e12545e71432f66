"""factory-boy factories for every model tests need; tenants first, then what they own."""

from __future__ import annotations

import factory
from django.contrib.auth import get_user_model

from ai.models import KnowledgeEntry, Persona
from sandbox.models import SandboxBusinessAccount, SandboxPhoneNumber
from tenants.models import Client, Membership, WhatsAppNumber
from whatsapp.models import Contact, Conversation, CustomerRequest, Message


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    password = factory.django.Password("s3cret-pass!")


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Faker("name")
    business_name = factory.Sequence(lambda n: f"Negocio {n}")
    email = factory.Sequence(lambda n: f"owner{n}@example.com")
    status = Client.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    client = factory.SubFactory(ClientFactory)
    role = Membership.Role.OWNER


class WhatsAppNumberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WhatsAppNumber

    client = factory.SubFactory(ClientFactory)
    phone_number = factory.Sequence(lambda n: f"+5730{n:08d}")
    phone_number_id = factory.Sequence(lambda n: f"20{n:013d}")  # never an account id (1000…)
    waba_id = "100000000000001"
    display_name = factory.SelfAttribute("client.business_name")
    status = WhatsAppNumber.Status.ACTIVE


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    wa_id = factory.Sequence(lambda n: f"5731{n:08d}")
    profile_name = factory.Faker("first_name")


class ConversationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Conversation

    number = factory.SubFactory(WhatsAppNumberFactory)
    client = factory.SelfAttribute("number.client")
    contact = factory.SubFactory(ContactFactory, client=factory.SelfAttribute("..client"))


class CustomerRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerRequest

    conversation = factory.SubFactory(ConversationFactory)
    client = factory.SelfAttribute("conversation.client")
    contact = factory.SelfAttribute("conversation.contact")
    details = factory.LazyFunction(
        lambda: [
            {"field": "nombre", "label": "Nombre", "value": "Ana"},
            {"field": "dia_y_hora", "label": "Día y hora", "value": "viernes 3 pm"},
        ]
    )
    provider = "offline"


class MessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Message

    conversation = factory.SubFactory(ConversationFactory)
    client = factory.SelfAttribute("conversation.client")
    direction = Message.Direction.INBOUND
    kind = "text"
    text = "Hola"
    status = Message.Status.RECEIVED
    wamid = factory.Sequence(lambda n: f"wamid.TEST{n:06d}")


class PersonaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Persona

    client = factory.SubFactory(ClientFactory)
    business_description = "Tienda de prueba"


class KnowledgeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KnowledgeEntry

    client = factory.SubFactory(ClientFactory)
    question = "¿Cuál es el horario?"
    answer = "Abrimos de lunes a sábado de 8 a 18."


class SandboxAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SandboxBusinessAccount
        django_get_or_create = ("waba_id",)

    waba_id = "100000000000001"
    name = "Operator WABA"
    access_token = "sandbox-master-token"
    is_operator = True


class SandboxNumberFactory(factory.django.DjangoModelFactory):
    """The Meta-side twin of a WhatsAppNumber: pass `phone_number_id` and `display_phone_number`."""

    class Meta:
        model = SandboxPhoneNumber

    account = factory.SubFactory(SandboxAccountFactory)
    phone_number_id = factory.Sequence(lambda n: f"20{n:013d}")  # never an account id (1000…)
    display_phone_number = factory.Sequence(lambda n: f"5730{n:08d}")
    verified_name = "Negocio"
    code_verification_status = "VERIFIED"
    registered = True


def connected_number(**kwargs) -> WhatsAppNumber:
    """An active product number together with its registered sandbox twin."""
    number = WhatsAppNumberFactory(**kwargs)
    SandboxNumberFactory(
        phone_number_id=number.phone_number_id,
        display_phone_number=number.phone_number.lstrip("+"),
        verified_name=number.display_name or "Negocio",
    )
    return number
