"""Reads for onboarding: who holds a setup code, where a client is in onboarding, hosted capacity."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from ai.models import Persona
from onboarding.meta_errors import onboarding_error
from onboarding.models import HostedAccount, HostedReservation, PendingWabaConnection
from tenants.models import Client, WhatsAppNumber
from tenants.selectors import HostedCapacity

Status = WhatsAppNumber.Status
IN_PROGRESS = (Status.PENDING, Status.CODE_SENT, Status.VERIFIED)
LIVE_STATUSES = (Status.ACTIVE, Status.SUSPENDED)


def setup_code_digest(setup_code: str) -> str:
    return hashlib.sha256(setup_code.strip().encode()).hexdigest()


def client_for_setup_code(*, setup_code: str, allow_used: bool = False) -> Client:
    """The one client a setup code belongs to; unknown → 404 error, expired → 410 error, and once the client
    has a live number → 410 `setup_code_used` (the code is retired: it would otherwise keep every power of
    onboarding for days). `allow_used` is only for the onboarding pages of the browser that went live with it.

    Only the SHA-256 digest is stored, so the lookup is by digest (a unique index, no timing oracle on the code).
    """
    if not isinstance(setup_code, str) or not 8 <= len(setup_code.strip()) <= 128:
        raise onboarding_error("invalid_setup_code")
    return client_for_setup_code_digest(digest=setup_code_digest(setup_code), allow_used=allow_used)


def client_for_setup_code_digest(*, digest: str, client_id: int | None = None, allow_used: bool = False) -> Client:
    """`client_for_setup_code` from the code's digest (what an onboarding browser session keeps): the same 404,
    410 `setup_code_expired` and 410 `setup_code_used`. With `client_id`, the digest must still be that client's
    code, so a session bound to a code that was replaced (a fresh link from the portal) opens nothing."""
    clients = Client.objects.filter(setup_code_digest=digest)
    if client_id is not None:
        clients = clients.filter(pk=client_id)
    client = clients.first() if digest else None
    if client is None:
        raise onboarding_error("invalid_setup_code")
    if client.setup_code_expires_at is None or client.setup_code_expires_at <= timezone.now():
        raise onboarding_error("setup_code_expired")
    if not allow_used and client_went_live(client=client):
        raise onboarding_error("setup_code_used")
    return client


def client_went_live(*, client: Client) -> bool:
    """The client has a live number (active, or suspended by the operator): its setup code has done its job."""
    return WhatsAppNumber.objects.for_client(client).filter(status__in=LIVE_STATUSES).exists()


def latest_number(*, client: Client) -> WhatsAppNumber | None:
    """The number onboarding is about: one waiting for its code, else the active one, else the last touched."""
    numbers = WhatsAppNumber.objects.for_client(client)
    return (
        numbers.filter(status__in=[Status.CODE_SENT, Status.VERIFIED]).order_by("-updated_at", "-id").first()
        or numbers.filter(status=Status.ACTIVE).order_by("-activated_at").first()
        or numbers.order_by("-updated_at", "-id").first()
    )


def number_awaiting_code(*, client: Client) -> WhatsAppNumber | None:
    """The number whose code the client is about to type: hosted (also when its registration must be retried),
    or one added to the client's own WABA after Embedded Signup (onboarding.numbers.add_embedded_number)."""
    hosted = Q(connection_type=WhatsAppNumber.ConnectionType.HOSTED, status__in=[Status.CODE_SENT, Status.VERIFIED])
    return (
        WhatsAppNumber.objects.for_client(client)
        .filter(hosted | Q(connection_type=WhatsAppNumber.ConnectionType.EMBEDDED, status=Status.CODE_SENT))
        .order_by("-updated_at", "-id")
        .first()
    )


def business_described(*, client: Client) -> bool:
    return Persona.objects.for_client(client).exclude(business_description="").exists()


def pending_waba_of(*, client: Client) -> PendingWabaConnection | None:
    """The client's own WABA that Embedded Signup connected without a number, if one waits for a pick."""
    return PendingWabaConnection.objects.for_client(client).first()


def onboarding_step(*, client: Client) -> str:
    """Where the client is: add_whatsapp (→ choose_number) → verify_code → describe_business → live."""
    number = latest_number(client=client)
    embedded = number is not None and number.connection_type == WhatsAppNumber.ConnectionType.EMBEDDED
    if embedded and number.status == Status.CODE_SENT:
        return "verify_code"  # a number added to the client's own WABA: its code goes out like a hosted one's
    if (number is None or not number.is_active) and pending_waba_of(client=client) is not None:
        return "choose_number"  # Embedded Signup connected its WABA: the client picks (or adds) the number
    if number is None or number.status in (Status.PENDING, Status.FAILED, Status.DISCONNECTED):
        return "add_whatsapp"
    if number.status in (Status.CODE_SENT, Status.VERIFIED):
        # An Embedded Signup number has no code to type: if it stopped before going live, run the signup again.
        return "add_whatsapp" if embedded else "verify_code"
    if not business_described(client=client):
        return "describe_business"
    return "live"


def hosted_places_used(*, account: HostedAccount | None = None) -> int:
    """Places of the operator's WABA taken: every hold that is not released, plus hosted numbers Meta knows
    that have no hold (added before holds existed, or by hand) — Meta counts them all, verified or not."""
    waba_id = account.waba_id if account else settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    holds = HostedReservation.objects.filter(account__waba_id=waba_id, state__in=HostedReservation.OCCUPYING)
    unheld = (
        WhatsAppNumber.objects.filter(
            connection_type=WhatsAppNumber.ConnectionType.HOSTED, waba_id=waba_id, phone_number_id__isnull=False
        )
        .exclude(status=Status.DISCONNECTED)
        .exclude(pk__in=holds.exclude(number__isnull=True).values("number_id"))
    )
    return holds.count() + unheld.count()


def hosted_capacity() -> HostedCapacity:
    """Places used against the portfolio cap, as the onboarding checks them (holds included)."""
    return HostedCapacity(used=hosted_places_used(), cap=settings.WHATSAPP_PORTFOLIO_NUMBER_CAP)


def reservation_of(number: WhatsAppNumber) -> HostedReservation | None:
    """The hold a hosted number occupies (None for numbers from before holds existed)."""
    return (
        HostedReservation.objects.for_client(number.client_id)
        .filter(number=number, state__in=HostedReservation.OCCUPYING)
        .first()
    )


def reservation_held(*, client: Client) -> HostedReservation | None:
    """The client's one hosted number that is not live yet, if any."""
    return HostedReservation.objects.for_client(client).filter(state=HostedReservation.State.HELD).first()


def reservations_to_release(*, older_than, limit: int = 100) -> list[HostedReservation]:
    """Holds the sweep removes from Meta: expired (reserved before `older_than`) or abandoned (their
    number failed, was replaced or is gone). Live and already released ones are never picked."""
    held = (
        HostedReservation.objects.filter(state=HostedReservation.State.HELD)
        .exclude(number__status__in=LIVE_STATUSES)  # a live number is never removed, whatever its hold says
        .select_related("number")
    )
    abandoned = held.filter(number__isnull=False).exclude(number__status__in=IN_PROGRESS)
    expired = held.filter(reserved_at__lt=older_than)
    return list((abandoned | expired).order_by("reserved_at", "id")[:limit])


def holds_of_live_numbers() -> list[WhatsAppNumber]:
    """Numbers that went live while their hold still says held (the request died in between)."""
    return list(
        WhatsAppNumber.objects.filter(
            status__in=LIVE_STATUSES, hosted_reservations__state=HostedReservation.State.HELD
        ).distinct()
    )
