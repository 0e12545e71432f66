"""Writes of onboarding's own tables: places in the operator's WhatsApp Business Account (hosted mode).

A place is claimed here before Meta is asked to add a number, inside one transaction that locks the
account's `HostedAccount` row, so the capacity count and the insert cannot interleave with another
sign-up's. The same claim enforces the per-client rules: one not-yet-live number at a time (also a partial
unique index) and at most `ONBOARDING_MAX_NUMBER_ATTEMPTS` distinct numbers tried by the client itself.
`onboarding.numbers` decides when to claim, attach, go live or release; nothing here talks to Meta.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from onboarding.meta_errors import onboarding_error
from onboarding.models import HostedAccount, HostedReservation
from onboarding.selectors import hosted_places_used
from tenants.models import Client, WhatsAppNumber

State = HostedReservation.State


def hosted_account() -> HostedAccount:
    """The lock row of the configured operator WABA (created on first use; a concurrent creator may win)."""
    waba_id = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    try:
        with transaction.atomic():
            return HostedAccount.objects.get_or_create(waba_id=waba_id)[0]
    except IntegrityError:
        return HostedAccount.objects.get(waba_id=waba_id)


def check_attempts_left(*, client: Client, phone_number: str, by_operator: bool) -> None:
    """Refuse a new number once the client tried its lifetime share; its own earlier numbers stay allowed.

    Checked before anything changes (a replaced number is only removed when the new one may follow).
    """
    if by_operator:
        return
    rows = HostedReservation.objects.for_client(client)
    if rows.filter(phone_number=phone_number, state__in=(State.HELD, State.LIVE)).exists():
        return  # the hold it already has is reused: nothing new is claimed
    limit = settings.ONBOARDING_MAX_NUMBER_ATTEMPTS
    claimed = rows.filter(by_operator=False).aggregate(total=Sum("claims"))["total"] or 0
    if claimed >= limit:
        raise onboarding_error("number_attempts_exhausted", details={"limit": limit})


def reservation_claim(*, client: Client, phone_number: str, by_operator: bool) -> HostedReservation:
    """Hold one place for this client's number, atomically; the client's existing hold for it is reused.

    Raises `number_pending` (another number of the client is not live yet), `number_expired` (this one is
    being removed from Meta right now), `number_attempts_exhausted` or `portfolio_cap_reached`.
    """
    account = hosted_account()
    try:
        with transaction.atomic():
            HostedAccount.objects.select_for_update().get(pk=account.pk)
            return _claim_locked(account, client=client, phone_number=phone_number, by_operator=by_operator)
    except IntegrityError as exc:  # the partial unique index: a concurrent request of this client held another
        raise onboarding_error("number_pending") from exc


def _claim_locked(account: HostedAccount, *, client: Client, phone_number: str, by_operator: bool) -> HostedReservation:
    rows = HostedReservation.objects.for_client(client)
    existing = rows.filter(phone_number=phone_number).first()
    if existing is not None and existing.state in (State.HELD, State.LIVE):
        return existing
    if existing is not None and existing.state == State.RELEASING:
        raise onboarding_error("number_expired")
    if rows.filter(state__in=HostedReservation.UNVERIFIED).exists():
        raise onboarding_error("number_pending")
    check_attempts_left(client=client, phone_number=phone_number, by_operator=by_operator)
    used, cap = hosted_places_used(account=account), settings.WHATSAPP_PORTFOLIO_NUMBER_CAP
    if used >= cap:
        raise onboarding_error("portfolio_cap_reached", details={"used": used, "cap": cap})
    if existing is not None:  # a released number claimed again: one more claim
        existing.claims = F("claims") + 1
    reservation = existing or HostedReservation(client=client, phone_number=phone_number, by_operator=by_operator)
    reservation.account = account
    reservation.state, reservation.reserved_at, reservation.phone_number_id = State.HELD, timezone.now(), ""
    reservation.live_at = reservation.released_at = None
    reservation.release_reason = ""
    reservation.save()
    if existing is not None:
        reservation.refresh_from_db(fields=["claims"])
    return reservation


def reservation_attach(reservation: HostedReservation, *, number: WhatsAppNumber, phone_number_id: str = "") -> None:
    """Link the hold to the number row and, once Meta added it, to Meta's id (what the sweep deletes)."""
    reservation.number = number
    fields = ["number"]
    if phone_number_id:
        reservation.phone_number_id = phone_number_id
        fields.append("phone_number_id")
    reservation.save(update_fields=fields)


def reservation_drop(reservation: HostedReservation, *, reason: str) -> None:
    """Meta never added the number (refused, or the row could not be saved): the place is free at once."""
    HostedReservation.objects.filter(pk=reservation.pk, state=State.HELD).update(
        state=State.RELEASED, released_at=timezone.now(), release_reason=reason[:200]
    )


def reservations_mark_live(*, number: WhatsAppNumber) -> int:
    """The number went live: its place stays taken and the sweep never touches it."""
    return HostedReservation.objects.filter(number=number, state=State.HELD).update(
        state=State.LIVE, live_at=timezone.now()
    )


def reservation_begin_release(reservation: HostedReservation) -> bool:
    """Claim the removal (held → releasing) so that two sweeps, or a sweep and a replacement, remove it once."""
    return bool(HostedReservation.objects.filter(pk=reservation.pk, state=State.HELD).update(state=State.RELEASING))


def reservation_finish_release(reservation: HostedReservation, *, reason: str) -> None:
    HostedReservation.objects.filter(pk=reservation.pk, state=State.RELEASING).update(
        state=State.RELEASED, released_at=timezone.now(), release_reason=reason[:200]
    )


def reservation_abort_release(reservation: HostedReservation) -> None:
    """Meta could not remove it now: held again, the next sweep tries again."""
    HostedReservation.objects.filter(pk=reservation.pk, state=State.RELEASING).update(state=State.HELD)


def reservation_expired(reservation: HostedReservation) -> bool:
    """Past its time to go live (ONBOARDING_NUMBER_TTL_HOURS): it may no longer be verified."""
    ttl = timedelta(hours=settings.ONBOARDING_NUMBER_TTL_HOURS)
    return reservation.state == State.RELEASING or reservation.reserved_at <= timezone.now() - ttl
