"""Reads of tenants that several apps need: memberships, owners, the numbers Meta knows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from tenants.models import AccountAlert, Client, Membership, WhatsAppNumber


def memberships_of(user) -> list[Membership]:
    """Every client the user acts for, with the client loaded (portal and API resolve the caller's client from it)."""
    if not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return []
    return list(Membership.objects.filter(user=user).select_related("client").order_by("client__business_name", "id"))


def owner_of(*, client: Client):
    """The client's first owner (the person who signed up), or None."""
    membership = (
        Membership.objects.for_client(client)
        .filter(role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("id")
        .first()
    )
    return membership.user if membership else None


def owner_emails(*, client: Client) -> list[str]:
    """Where a client's notices go: its owners' addresses, else the address it signed up with."""
    emails = (
        Membership.objects.for_client(client)
        .filter(role=Membership.Role.OWNER)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
    )
    return sorted(set(emails)) or ([client.email] if client.email else [])


def active_numbers_to_check() -> QuerySet[WhatsAppNumber]:
    """Every active number Meta knows, for the health sync (operator-wide, not a tenant read)."""
    return WhatsAppNumber.objects.filter(
        status=WhatsAppNumber.Status.ACTIVE, phone_number_id__isnull=False
    ).select_related("client")


@dataclass(frozen=True)
class HostedCapacity:
    used: int
    cap: int

    @property
    def available(self) -> int:
        return max(self.cap - self.used, 0)

    @property
    def percent(self) -> int:
        return min(round(100 * self.used / self.cap), 100) if self.cap else 100


def hosted_capacity() -> HostedCapacity:
    """Numbers in the operator's WABA against the portfolio cap (2, or 20 once Meta verifies the business).

    Meta counts every number added to the account, verified or not, so every hosted number with a Meta id
    counts until it is disconnected.
    """
    used = (
        WhatsAppNumber.objects.filter(
            connection_type=WhatsAppNumber.ConnectionType.HOSTED,
            waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
            phone_number_id__isnull=False,
        )
        .exclude(status=WhatsAppNumber.Status.DISCONNECTED)
        .count()
    )
    return HostedCapacity(used=used, cap=settings.WHATSAPP_PORTFOLIO_NUMBER_CAP)


def member_user_ids(*, client: Client) -> list[int]:
    """Ids of the users acting for the client (owners and agents)."""
    return list(Membership.objects.for_client(client).values_list("user_id", flat=True))


def abandoned_signup_ids(now: datetime | None = None) -> set[int]:
    """Clients still onboarding whose setup link expired unused (SETUP_CODE_TTL_DAYS): sign-ups left behind.

    An owner who resumes from the portal gets a fresh link, so the client counts as onboarding again. The
    operator's dashboard hides these by default; nothing else treats them differently."""
    now = now or timezone.now()
    stale = Q(setup_code_expires_at__lt=now) | Q(
        setup_code_expires_at__isnull=True, created_at__lt=now - timedelta(days=settings.SETUP_CODE_TTL_DAYS)
    )
    return set(Client.objects.filter(stale, status=Client.Status.ONBOARDING).values_list("id", flat=True))


def clients_with_message_retention() -> QuerySet[Client]:
    """Clients that keep message texts and media for a limited time (the nightly retention job's work)."""
    return Client.objects.filter(message_retention_days__isnull=False).order_by("pk")


def account_alerts_active(*, client: Client) -> list[AccountAlert]:
    """The alerts Meta raised about this client's accounts and numbers that still stand, newest first."""
    return list(AccountAlert.objects.for_client(client).filter(active=True).select_related("number"))


def account_alerts_for_operator(*, limit: int = 50) -> list[AccountAlert]:
    """Every standing alert (operator only): every client's, and those about the operator's own portfolio."""
    return list(AccountAlert.objects.filter(active=True).select_related("client", "number")[:limit])
