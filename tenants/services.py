"""Writes of clients, numbers and API keys: the one place that changes Client, Membership, WhatsAppNumber rows
(and revokes ApiKey rows; `tenants.authentication.create_api_key` issues them).

Onboarding (which talks to Meta to connect a number) and the WhatsApp app (which hears from Meta about a
number's health) decide what happened; these functions record it. Counters are moved with conditional
UPDATEs so two requests never both pass a limit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from audit.services import audit_record
from core.exceptions import ApplicationError
from tenants.models import AccountAlert, ApiKey, Client, Invitation, Membership, WhatsAppNumber

Status = WhatsAppNumber.Status
IN_PROGRESS = (Status.PENDING, Status.CODE_SENT, Status.VERIFIED)


class NumberTaken(Exception):
    """The phone number (or its Meta id) already has a row: a concurrent request claimed it first."""


# --- clients and members -------------------------------------------------------------------------
def client_create_with_owner(*, name: str, email: str, business_name: str, user) -> Client:
    """A new client in onboarding and the owner membership of `user` (inside the caller's transaction)."""
    client = Client.objects.create(name=name, email=email, business_name=business_name, status=Client.Status.ONBOARDING)
    Membership.objects.create(user=user, client=client, role=Membership.Role.OWNER)
    return client


class _RolledBack(Exception):
    pass


def client_id_unclaimed() -> int:
    """A client id that no row will ever have: taken by an insert that is rolled back at once.

    The public sign-up answers an e-mail that already has an account with such an id (no client is
    made): on PostgreSQL the id sequence moves as for a real sign-up, so ids do not tell the two apart.
    """
    try:
        with transaction.atomic():
            client_id = Client.objects.create(name="-", business_name="-", email="unclaimed@invalid").pk
            raise _RolledBack
    except _RolledBack:
        return client_id


def client_set_setup_code(*, client: Client, digest: str, expires_at: datetime) -> None:
    client.setup_code_digest, client.setup_code_expires_at = digest, expires_at
    client.save(update_fields=["setup_code_digest", "setup_code_expires_at", "updated_at"])


def client_mark_active(*, client_id: int) -> None:
    """A client goes from onboarding to active with its first live number (a suspended one stays suspended)."""
    Client.objects.filter(pk=client_id, status=Client.Status.ONBOARDING).update(status=Client.Status.ACTIVE)


def clients_set_status(*, clients: QuerySet[Client], status: str) -> int:
    """Suspend or resume clients. A suspended client's AI is silent and nothing is sent for it."""
    changing = list(clients.exclude(status=status))
    for client in changing:
        audit_record(
            action=f"client.status.{status}",
            client=client,
            obj=client,
            before={"status": client.status},
            after={"status": status},
        )
    return Client.objects.filter(pk__in=[c.pk for c in changing]).exclude(status=status).update(status=status)


def client_set_message_retention(*, client: Client, days: int | None) -> Client:
    """How long the client's message texts and media are kept (None: as long as the client exists); audited."""
    if days is not None and not 1 <= days <= 36500:
        raise ApplicationError("Retention is a number of days from 1 to 36500, or empty.", code="invalid_retention")
    before = client.message_retention_days
    if before != days:
        Client.objects.filter(pk=client.pk).update(message_retention_days=days, updated_at=timezone.now())
        client.message_retention_days = days
        audit_record(
            action="client.message_retention.changed",
            client=client,
            obj=client,
            before={"message_retention_days": before},
            after={"message_retention_days": days},
        )
    return client


# --- numbers: onboarding state machine ------------------------------------------------------------
def number_save_new(number: WhatsAppNumber, *, status: str | None = None) -> None:
    """Save a new or reused number row, with `status` (and without the last attempt's failure) when given.

    Raises NumberTaken when a concurrent request won the unique phone number.
    """
    if status is not None:
        _set_status(number, status)
    try:
        with transaction.atomic():
            number.save()
    except IntegrityError as exc:
        raise NumberTaken(number.phone_number) from exc


def number_record_failure(number: WhatsAppNumber, *, code: str, reason: str, terminal: bool) -> None:
    """Note why the last step failed; a terminal failure also marks the number failed."""
    number.failure_code, number.status_reason = code, reason[:300]
    fields = ["failure_code", "status_reason", "updated_at"]
    if terminal:
        number.status = Status.FAILED
        fields.append("status")
    number.save(update_fields=fields)


def _set_status(number: WhatsAppNumber, status: str) -> None:
    """A new step starts clean: the last attempt's failure no longer applies."""
    number.status, number.failure_code, number.status_reason = status, "", ""


def _move(number: WhatsAppNumber, *, status: str, **values: Any) -> None:
    """Set the status (clearing the last failure) and the given fields, in one UPDATE of those columns."""
    _set_status(number, status)
    for name, value in values.items():
        setattr(number, name, value)
    number.save(update_fields=["status", "failure_code", "status_reason", "updated_at", *values])


def number_mark_code_sent(number: WhatsAppNumber) -> None:
    _move(number, status=Status.CODE_SENT, code_requested_at=timezone.now(), verification_attempts=0)


def number_mark_verified(number: WhatsAppNumber) -> None:
    _move(number, status=Status.VERIFIED)


def number_mark_active(number: WhatsAppNumber) -> None:
    """The number is live; its client leaves onboarding with it."""
    _move(number, status=Status.ACTIVE, activated_at=timezone.now(), verification_attempts=0)
    audit_record(action="number.activated", client=number.client_id, obj=number, after={"status": Status.ACTIVE})
    client_mark_active(client_id=number.client_id)


def number_set_meta_id(number: WhatsAppNumber, *, phone_number_id: str | None) -> None:
    number.phone_number_id = phone_number_id
    number.save(update_fields=["phone_number_id", "updated_at"])


def number_ensure_pin(number: WhatsAppNumber) -> str:
    """The number's two-step PIN: generated once and stored encrypted before the first register call."""
    if not number.pin:
        number.pin = f"{secrets.randbelow(10**6):06d}"
        number.save(update_fields=["pin", "updated_at"])
    return number.pin


def numbers_abandon_attempts(*, client: Client, keep_phone: str) -> int:
    """Only one number is onboarded at a time: an unfinished attempt with another number stops here."""
    return (
        WhatsAppNumber.objects.for_client(client)
        .filter(status__in=IN_PROGRESS)
        .exclude(phone_number=keep_phone)
        .update(
            status=Status.FAILED, failure_code="", status_reason=f"Replaced by {keep_phone}", updated_at=timezone.now()
        )
    )


def number_mark_removed(number: WhatsAppNumber, *, code: str, reason: str) -> None:
    """Onboarding removed this never-live number from the operator's WABA: Meta no longer knows its id."""
    WhatsAppNumber.objects.filter(pk=number.pk).exclude(status__in=(Status.ACTIVE, Status.SUSPENDED)).update(
        status=Status.FAILED,
        failure_code=code[:40],
        status_reason=reason[:300],
        phone_number_id=None,
        updated_at=timezone.now(),
    )


def number_claim_resend(number: WhatsAppNumber, *, cooldown: timedelta) -> bool:
    """Claim the right to send a new code: two quick taps send one code. False while the cooldown runs."""
    now = timezone.now()
    claimed = (
        WhatsAppNumber.objects.filter(pk=number.pk)
        .filter(Q(code_requested_at__isnull=True) | Q(code_requested_at__lte=now - cooldown))
        .update(code_requested_at=now)
    )
    if not claimed:  # the caller tells the person how long to wait
        number.refresh_from_db(fields=["code_requested_at"])
    return bool(claimed)


def number_claim_attempt(number: WhatsAppNumber, *, limit: int) -> int | None:
    """Count one try of the current code before Meta judges it: the tries left after this one, None if none were."""
    claimed = WhatsAppNumber.objects.filter(pk=number.pk, verification_attempts__lt=limit).update(
        verification_attempts=F("verification_attempts") + 1
    )
    if not claimed:
        return None
    number.refresh_from_db(fields=["verification_attempts"])
    return limit - number.verification_attempts


def number_give_back_attempt(number: WhatsAppNumber) -> None:
    """Meta never judged the code (it was down): the try does not count."""
    WhatsAppNumber.objects.filter(pk=number.pk).update(verification_attempts=F("verification_attempts") - 1)


def number_exhaust_attempts(number: WhatsAppNumber, *, limit: int) -> None:
    """Meta says the code was tried too often: no try is left on our side either."""
    WhatsAppNumber.objects.filter(pk=number.pk).update(verification_attempts=limit)


# --- numbers: operator actions and what Meta reports --------------------------------------------
def _audit_numbers(numbers: QuerySet[WhatsAppNumber], *, action: str, status: str) -> list[int]:
    """One audit entry per number about to change; returns their ids for the UPDATE."""
    rows = list(numbers.select_related("client"))
    for number in rows:
        audit_record(
            action=action, client=number.client, obj=number, before={"status": number.status}, after={"status": status}
        )
    return [n.pk for n in rows]


def numbers_suspend(*, numbers: QuerySet[WhatsAppNumber]) -> int:
    ids = _audit_numbers(numbers.exclude(status=Status.SUSPENDED), action="number.suspended", status=Status.SUSPENDED)
    return WhatsAppNumber.objects.filter(pk__in=ids).exclude(status=Status.SUSPENDED).update(status=Status.SUSPENDED)


def numbers_resume(*, numbers: QuerySet[WhatsAppNumber]) -> int:
    """Only a suspended number that Meta knows (has a phone_number_id) goes back to active."""
    resumable = numbers.filter(status=Status.SUSPENDED, phone_number_id__isnull=False)
    ids = _audit_numbers(resumable, action="number.resumed", status=Status.ACTIVE)
    return WhatsAppNumber.objects.filter(pk__in=ids, status=Status.SUSPENDED).update(status=Status.ACTIVE)


def numbers_disconnect(*, numbers: QuerySet[WhatsAppNumber], reason: str, checked: bool = False) -> int:
    """Our access to these numbers ended (token revoked, partner removed): reconnecting is the way back."""
    values: dict[str, Any] = {
        "status": Status.DISCONNECTED,
        "failure_code": "reconnect_required",
        "status_reason": reason[:300],
        "updated_at": timezone.now(),
    }
    if checked:
        values["health_checked_at"] = values["updated_at"]
    ids = _audit_numbers(
        numbers.exclude(status=Status.DISCONNECTED), action="number.disconnected", status=Status.DISCONNECTED
    )
    return WhatsAppNumber.objects.filter(pk__in=ids).exclude(status=Status.DISCONNECTED).update(**values)


def numbers_note(*, numbers: QuerySet[WhatsAppNumber], reason: str) -> int:
    """Keep what Meta said about these numbers for the operator to follow up."""
    return numbers.update(status_reason=reason[:300], updated_at=timezone.now())


def numbers_record_health(
    *,
    numbers: QuerySet[WhatsAppNumber],
    quality_rating: str = "",
    name_status: str = "",
    messaging_limit: str = "",
    display_name: str = "",
    failure_code: str = "",
    status_reason: str = "",
    checked: bool = False,
) -> int:
    """Store what Meta reports about a number's standing; empty values leave the stored ones as they are."""
    values: dict[str, Any] = {"updated_at": timezone.now()}
    given = {
        "quality_rating": quality_rating[:20],
        "name_status": name_status[:40],
        "messaging_limit": messaging_limit[:60],
        "display_name": display_name[:200],
        "failure_code": failure_code[:40],
        "status_reason": status_reason[:300],
    }
    values.update({name: value for name, value in given.items() if value})
    if checked:
        values["health_checked_at"] = values["updated_at"]
    return numbers.update(**values)


# --- Meta's alerts about accounts and numbers -------------------------------------------------------
def account_alert_record(
    *,
    client_id: int | None,
    number: WhatsAppNumber | None,
    waba_id: str,
    entity_type: str,
    entity_id: str,
    alert_type: str,
    severity: str,
    active: bool,
    description: str,
    payload: dict[str, Any],
    at: datetime | None = None,
) -> AccountAlert:
    """Keep (or update) one kind of alert Meta raised for a WABA or number; `active=False` settles it.

    Idempotent: the back office may apply the same delivery again, and Meta repeats an alert when it changes.
    """
    at = at or timezone.now()
    key = {"client_id": client_id, "waba_id": waba_id[:64], "entity_id": entity_id[:64], "alert_type": alert_type[:80]}
    values = {
        "number": number,
        "entity_type": entity_type[:40],
        "severity": severity[:20] or AccountAlert.Severity.WARNING,
        "active": active,
        "description": description[:2000],
        "payload": payload,
        "received_at": at,
        "settled_at": None if active else at,
    }
    try:
        with transaction.atomic():
            alert, _created = AccountAlert.objects.update_or_create(**key, defaults=values)
    except IntegrityError:  # the same alert arrived twice at once: the other delivery created it
        alert, _created = AccountAlert.objects.update_or_create(**key, defaults=values)
    return alert


# --- API keys ------------------------------------------------------------------------------------
def api_key_revoke(*, key: ApiKey) -> ApiKey:
    """Stop the key working at once; revoking twice keeps the first time."""
    if ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now()):
        audit_record(action="api_key.revoked", client=key.client_id, obj=key)
    key.refresh_from_db(fields=["revoked_at"])
    return key


def number_set_business_token(number: WhatsAppNumber, *, token: str, expires_in: Any) -> None:
    """Keep the client's token from the Embedded Signup code exchange and when it runs out (Meta's
    `expires_in`, seconds; 0 or missing: it does not expire). Saved with the number by the caller."""
    try:
        seconds = int(expires_in or 0)
    except (TypeError, ValueError):
        seconds = 0
    number.business_token = token
    number.business_token_expires_at = timezone.now() + timedelta(seconds=seconds) if seconds > 0 else None
    number.business_token_warned_at = None


def numbers_claim_token_warnings(*, within: timedelta) -> list[WhatsAppNumber]:
    """Embedded numbers whose token runs out within `within` and were not warned yet, marked warned now
    (a conditional UPDATE per number: two runs never warn twice)."""
    due = WhatsAppNumber.objects.filter(
        connection_type=WhatsAppNumber.ConnectionType.EMBEDDED,
        business_token_expires_at__isnull=False,
        business_token_expires_at__lte=timezone.now() + within,
        business_token_warned_at__isnull=True,
    ).exclude(status=WhatsAppNumber.Status.DISCONNECTED)
    claimed = []
    for number in due.select_related("client"):
        if WhatsAppNumber.objects.filter(pk=number.pk, business_token_warned_at__isnull=True).update(
            business_token_warned_at=timezone.now()
        ):
            claimed.append(number)
    return claimed


def number_release_token_warning(*, number_id: int) -> int:
    """Undo a token-expiry claim whose warning could not be delivered, so a later run warns again."""
    return WhatsAppNumber.objects.filter(pk=number_id, business_token_warned_at__isnull=False).update(
        business_token_warned_at=None
    )


# --- team invitations ----------------------------------------------------------------------------


def _invitation_digest(token: str) -> str:
    return hashlib.sha256(token.strip().encode()).hexdigest()


def invitation_create(*, client: Client, email: str, role: str, invited_by) -> tuple[Invitation, str]:
    """Invite `email` to the client's team as `role`; returns the invitation and the plain token for the link.

    An earlier pending invitation of the same address is revoked (the newest link is the one that works); a
    current member cannot be invited again."""
    email = email.strip().lower()
    if role not in Membership.Role.values:
        raise ApplicationError("Unknown role.", code="validation_error", details={"role": ["Unknown role."]})
    if Membership.objects.for_client(client).filter(user__email__iexact=email).exists():
        raise ApplicationError("This person is already in the team.", code="already_member", status=409)
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        Invitation.objects.for_client(client).filter(
            email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        ).update(revoked_at=now)
        invitation = Invitation.objects.create(
            client=client,
            email=email,
            role=role,
            token_digest=_invitation_digest(token),
            invited_by=invited_by,
            expires_at=now + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
    audit_record(action="invitation.created", client=client, obj=invitation, after={"email": email, "role": role})
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """The pending invitation a link's token opens (None: unknown, used, revoked or expired)."""
    invitation = Invitation.objects.select_related("client").filter(token_digest=_invitation_digest(token)).first()
    return invitation if invitation and invitation.is_pending() else None


def invitation_revoke(*, invitation: Invitation) -> None:
    Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(revoked_at=timezone.now())
    audit_record(action="invitation.revoked", client=invitation.client, obj=invitation)


def invitation_accept(*, invitation: Invitation, user=None, name: str = "", password: str = "") -> Membership:
    """Join the team: the signed-in `user`, or a new account for the invited address (name and password).

    The invitation is claimed with a conditional UPDATE, so a link accepted twice at once joins once."""
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            pk=invitation.pk, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        ).update(accepted_at=timezone.now())
        if not claimed:
            raise ApplicationError("This invitation is no longer valid.", code="invitation_invalid", status=410)
        if user is None:
            user_model = get_user_model()
            user = user_model._default_manager.filter(email__iexact=invitation.email).first()
            if user is None:
                user = user_model._default_manager.create_user(
                    username=invitation.email, email=invitation.email, first_name=name.strip()[:150], password=password
                )
        membership, _created = Membership.objects.get_or_create(
            user=user, client=invitation.client, defaults={"role": invitation.role}
        )
    audit_record(action="invitation.accepted", client=invitation.client, obj=invitation, after={"user": user.pk})
    return membership


def membership_remove(*, membership: Membership) -> None:
    """Take someone out of the team; the last owner stays (a client always has one)."""
    if (
        membership.role == Membership.Role.OWNER
        and Membership.objects.for_client(membership.client).filter(role=Membership.Role.OWNER).count() <= 1
    ):
        raise ApplicationError("The last owner cannot leave the team.", code="last_owner", status=409)
    audit_record(action="membership.removed", client=membership.client, obj=membership)
    membership.delete()
