"""Operator actions that stop or restart a client or a number (used by the admin and the API)."""

from __future__ import annotations

from django.db.models import QuerySet

from tenants.models import Client, WhatsAppNumber


def set_clients_status(*, clients: QuerySet[Client], status: str) -> int:
    """Suspend or resume clients. A suspended client's AI is silent and nothing is sent for it."""
    return clients.exclude(status=status).update(status=status)


def suspend_numbers(*, numbers: QuerySet[WhatsAppNumber]) -> int:
    return numbers.exclude(status=WhatsAppNumber.Status.SUSPENDED).update(status=WhatsAppNumber.Status.SUSPENDED)


def resume_numbers(*, numbers: QuerySet[WhatsAppNumber]) -> int:
    """Only a suspended number that Meta knows (has a phone_number_id) goes back to active."""
    return numbers.filter(status=WhatsAppNumber.Status.SUSPENDED, phone_number_id__isnull=False).update(
        status=WhatsAppNumber.Status.ACTIVE
    )
