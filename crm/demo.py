"""Demo data for `make run`: an operator, two Colombian businesses with live numbers and personas.

Idempotent: running it again updates nothing that exists and creates what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ai.models import KnowledgeEntry, Persona
from sandbox.accounts import operator_account
from sandbox.models import SandboxPhoneNumber
from tenants.models import Client, Membership, WhatsAppNumber

DEMO_PASSWORD = "demo12345"
OPERATOR_EMAIL = "operador@demo.co"


@dataclass(frozen=True)
class DemoBusiness:
    business_name: str
    owner_name: str
    email: str
    phone_number: str
    phone_number_id: str
    description: str
    greeting: str  # the assistant's welcome
    click_to_chat_text: str  # what the customer's phone pre-types from the QR code
    hours: str
    booking: str
    goal: str
    faq: tuple[tuple[str, str], ...]
    request_fields: str = ""  # the details its requests need (empty: the persona's default)


BUSINESSES = (
    DemoBusiness(
        business_name="Café La Montaña",
        owner_name="Lucía Restrepo",
        email="cafe@demo.co",
        phone_number="+573005550101",
        phone_number_id="109000000000101",
        description="Cafetería de especialidad en Medellín: café de origen, desayunos, repostería y domicilios.",
        greeting="¡Hola! Soy el asistente de Café La Montaña ☕ ¿En qué te ayudo?",
        click_to_chat_text="Hola Café La Montaña, quisiera hacer un pedido.",
        hours="Lunes a sábado de 7:00 a 19:00; domingos de 8:00 a 14:00.",
        booking="Pedidos a domicilio por este chat: nombre, dirección y lo que deseas.",
        goal="El cliente confirma un pedido a domicilio.",
        faq=(
            ("¿Hacen domicilios?", "Sí, hacemos domicilios en Medellín y Envigado. El envío cuesta $5.000."),
            ("¿Cuál es el horario?", "Abrimos de lunes a sábado de 7:00 a 19:00 y domingos de 8:00 a 14:00."),
            ("¿Dónde están ubicados?", "Estamos en la Carrera 43A #10-20, El Poblado, Medellín."),
            ("¿Venden café en grano?", "Sí, vendemos café en grano y molido en bolsas de 250 g y 500 g."),
            ("¿Qué medios de pago aceptan?", "Efectivo, tarjetas, Nequi y Daviplata."),
        ),
        request_fields="Nombre\nDirección\nPedido",
    ),
    DemoBusiness(
        business_name="Estética Bella Piel",
        owner_name="Camila Gómez",
        email="estetica@demo.co",
        phone_number="+573005550202",
        phone_number_id="109000000000202",
        description="Centro de estética en Bogotá: limpiezas faciales, depilación, manicure y masajes.",
        greeting="¡Hola! Bienvenida a Estética Bella Piel 💆‍♀️",
        click_to_chat_text="Hola Estética Bella Piel, quisiera agendar una cita.",
        hours="Lunes a viernes de 9:00 a 19:00; sábados de 9:00 a 15:00.",
        booking="Citas por este chat: servicio, día y hora preferidos.",
        goal="La clienta confirma una cita.",
        faq=(
            ("¿Cuánto cuesta una limpieza facial?", "La limpieza facial profunda cuesta $120.000 y dura 60 minutos."),
            ("¿Cómo agendo una cita?", "Escríbenos el servicio, el día y la hora que prefieres y te confirmamos."),
            ("¿Dónde quedan?", "Estamos en la Calle 85 #15-30, Chicó, Bogotá."),
            ("¿Hacen depilación láser?", "Sí, depilación láser diodo; la valoración inicial es gratis."),
        ),
        request_fields="Nombre\nServicio\nDía y hora",
    ),
)


@transaction.atomic
def seed_demo() -> dict[str, str]:
    """Create the demo operator and businesses; returns the logins to print."""
    user_model = get_user_model()
    operator, created = user_model.objects.get_or_create(
        username=OPERATOR_EMAIL, defaults={"email": OPERATOR_EMAIL, "is_staff": True, "is_superuser": True}
    )
    if created:
        operator.set_password(DEMO_PASSWORD)
        operator.save()
    logins = {"operator": OPERATOR_EMAIL}
    for business in BUSINESSES:
        _seed_business(business)
        logins[business.business_name] = business.email
    return logins


def _seed_business(business: DemoBusiness) -> None:
    user_model = get_user_model()
    client, _ = Client.objects.get_or_create(
        business_name=business.business_name,
        defaults={"name": business.owner_name, "email": business.email, "status": Client.Status.ACTIVE},
    )
    owner, created = user_model.objects.get_or_create(
        username=business.email, defaults={"email": business.email, "first_name": business.owner_name}
    )
    if created:
        owner.set_password(DEMO_PASSWORD)
        owner.save()
    Membership.objects.get_or_create(user=owner, client=client, defaults={"role": Membership.Role.OWNER})
    number, _ = WhatsAppNumber.objects.get_or_create(
        phone_number=business.phone_number,
        defaults={
            "client": client,
            "phone_number_id": business.phone_number_id,
            "waba_id": settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            "display_name": business.business_name,
            "status": WhatsAppNumber.Status.ACTIVE,
            "quality_rating": "GREEN",
            "name_status": "APPROVED",
            "activated_at": timezone.now(),
        },
    )
    Persona.objects.get_or_create(
        client=client,
        defaults={
            "business_description": business.description,
            "greeting": business.greeting,
            "click_to_chat_text": business.click_to_chat_text,
            "business_hours": business.hours,
            "booking_instructions": business.booking,
            "conversion_goal": business.goal,
            **({"request_fields": business.request_fields} if business.request_fields else {}),
        },
    )
    if not KnowledgeEntry.objects.for_client(client).exists():
        KnowledgeEntry.objects.bulk_create(
            [KnowledgeEntry(client=client, question=q, answer=a) for q, a in business.faq]
        )
    if settings.WHATSAPP_SANDBOX:
        _seed_sandbox_twin(number)


def _seed_sandbox_twin(number: WhatsAppNumber) -> None:
    """The Meta side of a demo number, so sends through the sandbox are accepted."""
    SandboxPhoneNumber.objects.get_or_create(
        phone_number_id=number.phone_number_id,
        defaults={
            "account": operator_account(),
            "display_phone_number": number.phone_number.lstrip("+"),
            "verified_name": number.display_name,
            "code_verification_status": "VERIFIED",
            "registered": True,
        },
    )
