"""Onboarding's own tables: the hosted places it reserves in the operator's WhatsApp Business Account, and the
client accounts that Embedded Signup connected before a number was chosen.

Meta lets a portfolio hold 2 numbers (20 once the business is verified), and every number added counts,
verified or not. A place is therefore reserved here, under a lock on the account's row, before Meta is
asked to add a number; it is given back only once the number is gone from Meta's side again.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from tenants.models import Client, WhatsAppNumber
from tenants.scoping import TenantQuerySet


class HostedAccount(models.Model):
    """One row per operator WABA: the row `select_for_update` locks so that two sign-ups cannot both take
    the last place (PostgreSQL row lock; SQLite serialises writers anyway)."""

    waba_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.waba_id


class HostedReservation(models.Model):
    """A client's claim on one place of the operator's WABA for one phone number.

    held → live when the number goes live; held → releasing → released when it expired or was abandoned
    and the sweep (or a replacement) removed it from Meta's side. One row per (client, phone number); a
    released row claimed again counts one more claim. The lifetime cap counts a client's claims.
    """

    class State(models.TextChoices):
        HELD = "held", _("Held (not live yet)")
        RELEASING = "releasing", _("Being removed from Meta")
        LIVE = "live", _("Live")
        RELEASED = "released", _("Released")

    # States that occupy a place in Meta's account.
    OCCUPYING = (State.HELD, State.RELEASING, State.LIVE)
    # States of a number that is not live yet: a client has at most one.
    UNVERIFIED = (State.HELD, State.RELEASING)

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="hosted_reservations")
    account = models.ForeignKey(HostedAccount, on_delete=models.PROTECT, related_name="reservations")
    number = models.ForeignKey(
        WhatsAppNumber, on_delete=models.SET_NULL, null=True, blank=True, related_name="hosted_reservations"
    )
    phone_number = models.CharField(_("phone number (E.164)"), max_length=20)
    phone_number_id = models.CharField(_("Meta phone number id"), max_length=64, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.HELD)
    by_operator = models.BooleanField(
        default=False, help_text=_("Added by staff: not counted against the client's own attempts.")
    )
    claims = models.PositiveIntegerField(
        default=1, help_text=_("Times a place was claimed for this number (each one sent a code to the phone).")
    )
    reserved_at = models.DateTimeField(_("reserved at"))
    live_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "phone_number"], name="hosted_reservation_one_per_number"),
            # At most one not-yet-live number per client: a sign-up cannot spread itself over the account.
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(state__in=["held", "releasing"]),
                name="hosted_reservation_one_unverified",
            ),
        ]
        indexes = [models.Index(fields=["account", "state"]), models.Index(fields=["state", "reserved_at"])]
        verbose_name = _("hosted reservation")
        verbose_name_plural = _("hosted reservations")

    def __str__(self) -> str:
        return f"{self.phone_number} ({self.state})"


class PendingWabaConnection(models.Model):
    """Embedded Signup finished with the client's WABA but no single number to connect (Meta's FINISH_ONLY_WABA,
    or a WABA with none or several numbers). The 30-second code is spent by then, so the business token it was
    exchanged for waits here (encrypted) until the client picks one of the WABA's numbers, or adds one; then the
    number row takes the token and this row goes. One per client: a new signup replaces it.
    """

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="pending_waba")
    waba_id = models.CharField(_("WhatsApp Business Account id"), max_length=64)
    business_token = EncryptedTextField(_("business token"), blank=True, editable=False)
    # Meta's `expires_in` at the exchange (seconds; empty: the token does not expire).
    token_expires_in = models.PositiveIntegerField(null=True, blank=True)
    # What GET /{waba-id}/phone_numbers listed at signup: [{id, display_phone_number, verified_name}] (the page
    # shows it without calling Meta; a pick is checked against a fresh list).
    phone_numbers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("account waiting for a number")
        verbose_name_plural = _("accounts waiting for a number")

    def __str__(self) -> str:
        return f"WABA {self.waba_id} ({self.client})"
