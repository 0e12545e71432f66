"""Reads for onboarding: who holds a setup code, where a client is in onboarding, hosted capacity."""

from __future__ import annotations

import hashlib

from django.utils import timezone

from ai.models import Persona
from onboarding.meta_errors import onboarding_error
from tenants.models import Client, WhatsAppNumber

Status = WhatsAppNumber.Status


def setup_code_digest(setup_code: str) -> str:
    return hashlib.sha256(setup_code.strip().encode()).hexdigest()


def client_for_setup_code(*, setup_code: str) -> Client:
    """The one client a setup code belongs to; unknown → 404 error, expired → 410 error.

    Only the SHA-256 digest is stored, so the lookup is by digest (a unique index, no timing oracle on the code).
    """
    if not isinstance(setup_code, str) or not 8 <= len(setup_code.strip()) <= 128:
        raise onboarding_error("invalid_setup_code")
    client = Client.objects.filter(setup_code_digest=setup_code_digest(setup_code)).first()
    if client is None:
        raise onboarding_error("invalid_setup_code")
    if client.setup_code_expires_at is None or client.setup_code_expires_at <= timezone.now():
        raise onboarding_error("setup_code_expired")
    return client


def latest_number(*, client: Client) -> WhatsAppNumber | None:
    """The number onboarding is about: one waiting for its code, else the active one, else the last touched."""
    numbers = WhatsAppNumber.objects.for_client(client)
    return (
        numbers.filter(status__in=[Status.CODE_SENT, Status.VERIFIED]).order_by("-updated_at", "-id").first()
        or numbers.filter(status=Status.ACTIVE).order_by("-activated_at").first()
        or numbers.order_by("-updated_at", "-id").first()
    )


def number_awaiting_code(*, client: Client) -> WhatsAppNumber | None:
    """The hosted number whose code the client is about to type (or whose registration must be retried)."""
    return (
        WhatsAppNumber.objects.for_client(client)
        .filter(connection_type=WhatsAppNumber.ConnectionType.HOSTED, status__in=[Status.CODE_SENT, Status.VERIFIED])
        .order_by("-updated_at", "-id")
        .first()
    )


def business_described(*, client: Client) -> bool:
    return Persona.objects.for_client(client).exclude(business_description="").exists()


def onboarding_step(*, client: Client) -> str:
    """Where the client is: add_whatsapp → verify_code → describe_business → live."""
    number = latest_number(client=client)
    if number is None or number.status in (Status.PENDING, Status.FAILED, Status.DISCONNECTED):
        return "add_whatsapp"
    if number.status in (Status.CODE_SENT, Status.VERIFIED):
        # An Embedded Signup number has no code to type: if it stopped before going live, run the signup again.
        return "add_whatsapp" if number.connection_type == WhatsAppNumber.ConnectionType.EMBEDDED else "verify_code"
    if not business_described(client=client):
        return "describe_business"
    return "live"
