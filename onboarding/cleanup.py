"""Removing hosted numbers that never went live from the operator's WhatsApp Business Account.

Meta counts every number added to the account against the portfolio cap, verified or not, so a number
abandoned half-way (replaced, failed, or not live within ONBOARDING_NUMBER_TTL_HOURS) is deleted on Meta's
side (`DELETE /{phone-number-id}`) and its place given back. The beat task `onboarding.release_expired_numbers`
runs `release_expired_numbers`; replacing a number calls `release_reservation` directly.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from onboarding import reservations
from onboarding.models import HostedReservation
from onboarding.selectors import holds_of_live_numbers, reservations_to_release
from tenants import services as tenant_services
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError

logger = logging.getLogger(__name__)

# A verify that began just before the deadline may still be talking to Meta: the sweep waits this much longer.
SWEEP_GRACE = timedelta(minutes=10)
GONE_CODES = {100, 133015}  # Meta no longer knows the id (or just deleted it): nothing left to remove


def release_reservation(reservation: HostedReservation, *, code: str, reason: str) -> bool:
    """Delete the held number on Meta's side, then free its place and note why on the number.

    False when another caller is already removing it or Meta could not be reached (it stays held and the
    next sweep tries again). Raises nothing for Meta errors: callers decide what a False means.
    """
    if not reservations.reservation_begin_release(reservation):
        return False
    if reservation.phone_number_id:
        try:
            GraphClient.for_operator().delete_phone_number(reservation.phone_number_id)
        except GraphError as exc:
            if exc.code not in GONE_CODES:
                reservations.reservation_abort_release(reservation)
                logger.warning("could not remove number %s from Meta: %s", reservation.phone_number_id, exc)
                return False
    reservations.reservation_finish_release(reservation, reason=reason)
    if reservation.number_id is not None:
        tenant_services.number_mark_removed(reservation.number, code=code, reason=reason)
    logger.info("hosted number %s removed (%s)", reservation.phone_number, reason)
    return True


def release_expired_numbers() -> int:
    """Beat sweep: remove expired and abandoned hosted numbers from Meta; returns how many were released."""
    for number in holds_of_live_numbers():
        reservations.reservations_mark_live(number=number)
    ttl = timedelta(hours=settings.ONBOARDING_NUMBER_TTL_HOURS)
    deadline = timezone.now() - ttl - SWEEP_GRACE
    released = 0
    for reservation in reservations_to_release(older_than=deadline):
        number = reservation.number
        if reservation.reserved_at < deadline:
            code, reason = "number_expired", f"Not live within {settings.ONBOARDING_NUMBER_TTL_HOURS} h"
        else:  # abandoned: keep why it stopped (replaced, Meta's refusal) for the owner and the operator
            code, reason = number.failure_code, number.status_reason or "Abandoned"
        released += release_reservation(reservation, code=code, reason=f"{reason}; removed from WhatsApp")
    if released:
        logger.info("released %d hosted places", released)
    return released
