"""Connecting a client's WhatsApp number: hosted (our WABA, SMS/voice code) and Embedded Signup (its own WABA).

State machine of a WhatsAppNumber: pending → code_sent → verified → active, or failed with a reason
(`failure_code` is a key of `onboarding.meta_errors.ERRORS`, `status_reason` keeps Meta's own words).

No database transaction is held open across a Graph call: the sandbox answers from the same database, and a
slow Meta must not hold locks. Counters (code attempts, resend cooldown) are claimed with conditional UPDATEs.
This module decides; `tenants.services` writes the number rows.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

import phonenumbers
from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language

from billing.selectors import free_messages_remaining
from core.queue import enqueue_on_commit
from onboarding import reservations, services
from onboarding.cleanup import release_reservation
from onboarding.meta_errors import OnboardingError, error_for_graph, onboarding_error
from onboarding.models import HostedReservation, PendingWabaConnection
from onboarding.selectors import (
    client_went_live,
    latest_number,
    number_awaiting_code,
    pending_waba_of,
    reservation_held,
    reservation_of,
)
from tenants import services as tenant_services
from tenants.models import Client, WhatsAppNumber
from whatsapp.client import GraphClient
from whatsapp.errors import GraphError, TransientGraphError

logger = logging.getLogger(__name__)

Status = WhatsAppNumber.Status
Connection = WhatsAppNumber.ConnectionType

# Failures after which this number cannot go on as it is: it is marked failed and must be added again.
TERMINAL_FAILURES = {
    "number_on_whatsapp",
    "portfolio_cap_reached",
    "number_in_use",
    "display_name_rejected",
    "invalid_phone_number",
    "pin_mismatch",
    "register_limit_reached",
    "needs_verification",
    "meta_refused",
    "reconnect_required",
    "number_expired",
}
DEFAULT_REGION = "CO"


# --- phone numbers -------------------------------------------------------------------------------
def parse_phone_number(raw: str) -> tuple[str, str, str]:
    """(E.164, country code, national number) of a number typed by a person; Colombia when no + is given."""
    try:
        parsed = phonenumbers.parse(str(raw or ""), DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise onboarding_error("invalid_phone_number") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise onboarding_error("invalid_phone_number")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, str(parsed.country_code), str(parsed.national_number)


def _digits(value: Any) -> str:
    return re.sub(r"\D", "", str(value or ""))


# --- recording outcomes ---------------------------------------------------------------------------
def _record_failure(number: WhatsAppNumber, error: OnboardingError) -> OnboardingError:
    """Note the failure on the number (terminal ones mark it failed) and hand the error back to raise."""
    details = error.details if isinstance(error.details, dict) else {}
    meta = " ".join(str(details[k]) for k in ("meta_message", "meta_details") if details.get(k))
    reason = f"Meta {details.get('meta_code')}: {meta}" if meta else error.message
    tenant_services.number_record_failure(
        number, code=error.code, reason=reason, terminal=error.code in TERMINAL_FAILURES
    )
    logger.info("number %s onboarding failed: %s (%s)", number.pk, error.code, number.status_reason)
    return error


def activation_result(number: WhatsAppNumber) -> dict[str, Any]:
    return {
        "status": number.status,
        "phone_number": number.phone_number,
        "phone_number_id": number.phone_number_id,
        "free_messages_remaining": free_messages_remaining(number=number),
    }


def _activate(number: WhatsAppNumber, graph: GraphClient) -> WhatsAppNumber:
    """Subscribe our app to the number's WABA and register the number with its PIN; then it is live."""
    pin = tenant_services.number_ensure_pin(number)
    step = "embedded" if number.connection_type == Connection.EMBEDDED else "register"
    try:
        graph.subscribe_app(number.waba_id)
        graph.register(number.phone_number_id, pin)
    except GraphError as exc:
        raise _record_failure(number, error_for_graph(exc, step=step)) from exc
    tenant_services.number_mark_active(number)
    if number.connection_type == Connection.EMBEDDED:
        services.pending_waba_clear(client=number.client)  # nothing waits for a number any more
    reservations.reservations_mark_live(number=number)
    enqueue_on_commit("whatsapp.sync_templates", number.pk)  # the template picker reads local rows
    return number


# --- hosted: add, send the code, verify ---------------------------------------------------------
def _code_language() -> str:
    return "en_US" if (get_language() or "es").startswith("en") else "es"


def _send_code(number: WhatsAppNumber, graph: GraphClient, *, method: str) -> WhatsAppNumber:
    try:
        graph.request_code(number.phone_number_id, method=method, language=_code_language())
    except GraphError as exc:
        raise _record_failure(number, error_for_graph(exc, step="request_code")) from exc
    tenant_services.number_mark_code_sent(number)
    return number


def _code_sent_recently(number: WhatsAppNumber) -> bool:
    cooldown = timedelta(seconds=settings.ONBOARDING_RESEND_COOLDOWN_SECONDS)
    return bool(number.code_requested_at and timezone.now() - number.code_requested_at < cooldown)


def _save_new_row(number: WhatsAppNumber, *, status: str | None = None) -> None:
    """Save; a concurrent request that just claimed the same phone number (unique) wins, this one is refused."""
    try:
        tenant_services.number_save_new(number, status=status)
    except tenant_services.NumberTaken as exc:
        raise onboarding_error("number_in_use") from exc


def _abandon_other_attempts(*, client: Client, e164: str) -> None:
    tenant_services.numbers_abandon_attempts(client=client, keep_phone=e164)


def _hosted_target(*, client: Client, e164: str, by_operator: bool) -> WhatsAppNumber | None:
    """The existing row for this number, after the checks that change nothing when they refuse."""
    if not by_operator and client_went_live(client=client):
        raise onboarding_error("onboarding_complete")  # more numbers are the operator's call, not a setup link's
    number = WhatsAppNumber.objects.filter(phone_number=e164).first()
    if number is not None and number.client_id != client.pk:
        raise onboarding_error("number_in_use")
    if number is not None and number.status in (Status.ACTIVE, Status.SUSPENDED):
        raise onboarding_error("number_already_active")
    return number


def _replace_unverified(*, client: Client, e164: str) -> None:
    """A client has one not-yet-live hosted number at a time: another one is removed from Meta first."""
    held = reservation_held(client=client)
    if held is None or held.phone_number == e164:
        return
    if not release_reservation(held, code="", reason=f"Replaced by {e164}"):
        # Meta is unreachable (or another request is removing it): nothing new is added meanwhile.
        raise onboarding_error("meta_unavailable")


def _hosted_row(*, client: Client, number: WhatsAppNumber | None, e164: str, display_name: str) -> WhatsAppNumber:
    """The row for this number: reused when this client tried it before."""
    _abandon_other_attempts(client=client, e164=e164)
    if number is None:
        number = WhatsAppNumber(client=client, phone_number=e164)
    if number.connection_type != Connection.HOSTED:
        number.phone_number_id = None
    number.connection_type = Connection.HOSTED
    number.waba_id = settings.WHATSAPP_BUSINESS_ACCOUNT_ID
    number.business_token = ""
    number.display_name = display_name
    # A code already on its way stays valid; any other attempt starts again from pending.
    _save_new_row(number, status=None if number.status == Status.CODE_SENT else Status.PENDING)
    return number


def _claim_place(*, client: Client, e164: str, by_operator: bool) -> HostedReservation:
    """Hold a place in the operator's WABA for this number before Meta hears of it (see onboarding.reservations)."""
    reservations.check_attempts_left(client=client, phone_number=e164, by_operator=by_operator)
    _replace_unverified(client=client, e164=e164)
    return reservations.reservation_claim(client=client, phone_number=e164, by_operator=by_operator)


def add_hosted_number(
    *, client: Client, phone_number: str, display_name: str = "", by_operator: bool = False
) -> WhatsAppNumber:
    """Add the number to the operator's WABA and have Meta send the 6-digit code by SMS.

    A place is held first (cap, one unverified number per client, the client's lifetime attempts), so a
    refusal changes nothing. Asking again for a number whose code went out less than the cooldown ago sends
    nothing new. `by_operator` (staff) may add numbers for a live client and does not use the client's attempts.
    """
    e164, country_code, national = parse_phone_number(phone_number)
    display_name = (display_name or client.business_name).strip()[:200]
    existing = _hosted_target(client=client, e164=e164, by_operator=by_operator)
    held = reservation_held(client=client)
    if (
        existing is not None
        and existing.status == Status.CODE_SENT
        and _code_sent_recently(existing)
        and held is not None
        and held.number_id == existing.pk
    ):
        return existing
    reservation = _claim_place(client=client, e164=e164, by_operator=by_operator)
    try:
        number = _hosted_row(client=client, number=existing, e164=e164, display_name=display_name)
    except OnboardingError:
        reservations.reservation_drop(reservation, reason="number row taken")
        raise
    reservations.reservation_attach(reservation, number=number)
    graph = GraphClient.for_operator()
    try:
        added = graph.add_phone_number(settings.WHATSAPP_BUSINESS_ACCOUNT_ID, country_code, national, display_name)
    except GraphError as exc:
        error = error_for_graph(exc, step="add")
        if not isinstance(exc, TransientGraphError):  # Meta refused it: it is not in the account, the place is free
            reservations.reservation_drop(reservation, reason=error.code)
        raise _record_failure(number, error) from exc
    phone_number_id = str(added.get("id") or "") or None
    tenant_services.number_set_meta_id(number, phone_number_id=phone_number_id)
    reservations.reservation_attach(reservation, number=number, phone_number_id=phone_number_id or "")
    return _send_code(number, graph, method="SMS")


def _check_not_expired(number: WhatsAppNumber) -> None:
    """A hosted number past its time to go live is about to be removed from Meta: it cannot go on."""
    reservation = reservation_of(number) if number.connection_type == Connection.HOSTED else None
    if reservation is not None and reservations.reservation_expired(reservation):
        raise _record_failure(number, onboarding_error("number_expired"))


def resend_code(*, client: Client, method: str = "SMS") -> WhatsAppNumber:
    """A new code (SMS, or a voice call as the fallback) once the cooldown since the last one has passed."""
    method = method.upper() if str(method).upper() in ("SMS", "VOICE") else "SMS"
    number = number_awaiting_code(client=client)
    if number is None or number.status != Status.CODE_SENT:
        raise onboarding_error("no_pending_number")
    _check_not_expired(number)
    cooldown = timedelta(seconds=settings.ONBOARDING_RESEND_COOLDOWN_SECONDS)
    if not tenant_services.number_claim_resend(number, cooldown=cooldown):
        wait = cooldown - (timezone.now() - number.code_requested_at)
        raise onboarding_error("resend_too_soon", details={"retry_after": max(int(wait.total_seconds()) + 1, 1)})
    return _send_code(number, GraphClient.for_number(number), method=method)


def _claim_attempt(number: WhatsAppNumber) -> int:
    """Count one try of the current code before asking Meta; returns the tries left after this one."""
    remaining = tenant_services.number_claim_attempt(number, limit=settings.ONBOARDING_OTP_MAX_ATTEMPTS)
    if remaining is None:
        raise _record_failure(number, onboarding_error("too_many_attempts", details={"attempts_remaining": 0}))
    return remaining


def verify_hosted_number(*, client: Client, code: str) -> WhatsAppNumber:
    """Check the code the client typed, then register the number (retries reuse the stored PIN)."""
    code = _digits(code)
    if len(code) != 6:
        raise onboarding_error("invalid_code_format")
    number = number_awaiting_code(client=client)
    if number is None:
        latest = latest_number(client=client)
        if latest is not None and latest.status == Status.ACTIVE:
            raise onboarding_error("number_already_active")
        raise onboarding_error("number_failed" if latest and latest.status == Status.FAILED else "no_pending_number")
    _check_not_expired(number)
    graph = GraphClient.for_number(number)  # the master token, or the client's for a number of its own WABA
    if number.status == Status.CODE_SENT:
        remaining = _claim_attempt(number)
        try:
            graph.verify_code(number.phone_number_id, code)
        except GraphError as exc:
            error = error_for_graph(exc, step="verify")
            if error.code == "meta_unavailable":  # Meta never judged the code: the try is given back
                tenant_services.number_give_back_attempt(number)
            elif error.code == "too_many_attempts":
                tenant_services.number_exhaust_attempts(number, limit=settings.ONBOARDING_OTP_MAX_ATTEMPTS)
            elif error.code == "wrong_code":
                error.details = {**(error.details or {}), "attempts_remaining": remaining}
            raise _record_failure(number, error) from exc
        tenant_services.number_mark_verified(number)
    return _activate(number, graph)


# --- Embedded Signup -----------------------------------------------------------------------------
def _embedded_row(*, client: Client, phone_number_id: str, e164: str) -> WhatsAppNumber:
    number = (
        WhatsAppNumber.objects.filter(phone_number_id=phone_number_id).first()
        or WhatsAppNumber.objects.filter(phone_number=e164).first()
    )
    if number is not None and number.client_id != client.pk:
        raise onboarding_error("number_in_use")
    _abandon_other_attempts(client=client, e164=e164)
    return number or WhatsAppNumber(client=client)


def waba_phone_numbers(graph: GraphClient, waba_id: str) -> list[dict[str, str]]:
    """The WABA's numbers as Meta lists them now (GET /{waba-id}/phone_numbers): id, display number, name."""
    try:
        listed = graph.list_phone_numbers(waba_id, fields=["id", "display_phone_number", "verified_name"])
    except GraphError as exc:
        raise error_for_graph(exc, step="embedded") from exc
    rows = []
    for row in listed.get("data") or []:
        if isinstance(row, dict) and _digits(row.get("id")):
            rows.append(
                {
                    "id": _digits(row.get("id"))[:64],
                    "display_phone_number": _digits(row.get("display_phone_number"))[:20],
                    "verified_name": str(row.get("verified_name") or "")[:200],
                }
            )
    return rows


def complete_embedded_signup(
    *, client: Client, code: str, waba_id: str, phone_number_id: str
) -> WhatsAppNumber | PendingWabaConnection:
    """Trade Meta's 30-second code for the client's business token, then subscribe and register its number.

    An empty code means the person closed Meta's window: nothing changes. Re-running it for a number the
    client already has reconnects it with the new token. Without a phone number id (FINISH_ONLY_WABA, or
    session info that never arrived) the WABA's only number is used; a WABA with none or several is kept with
    its token (`PendingWabaConnection`, returned) and the client picks or adds the number next.
    """
    if not code:
        raise onboarding_error("signup_cancelled")
    waba_id, phone_number_id = _digits(waba_id), _digits(phone_number_id)
    if not waba_id:
        raise onboarding_error("meta_refused", message="waba_id is required.")
    try:
        exchanged = GraphClient("").exchange_code(code)
    except GraphError as exc:
        raise error_for_graph(exc, step="exchange") from exc
    token, expires_in = str(exchanged.get("access_token") or ""), exchanged.get("expires_in")
    graph = GraphClient(token)
    if not phone_number_id:
        listed = waba_phone_numbers(graph, waba_id)
        if len(listed) != 1:
            return services.pending_waba_save(
                client=client, waba_id=waba_id, token=token, expires_in=expires_in, phone_numbers=listed
            )
        phone_number_id = listed[0]["id"]
    return connect_embedded_number(
        client=client, graph=graph, expires_in=expires_in, waba_id=waba_id, phone_number_id=phone_number_id
    )


def connect_embedded_number(
    *, client: Client, graph: GraphClient, expires_in: Any, waba_id: str, phone_number_id: str
) -> WhatsAppNumber:
    """One number of the client's own WABA, with the business token `graph` speaks with: subscribe, register."""
    try:
        info = graph.get_phone_number(phone_number_id, fields=["display_phone_number", "verified_name"])
    except GraphError as exc:
        raise error_for_graph(exc, step="embedded") from exc
    e164 = "+" + _digits(info.get("display_phone_number"))
    number = _embedded_row(client=client, phone_number_id=phone_number_id, e164=e164)
    number.phone_number, number.phone_number_id, number.waba_id = e164, phone_number_id, waba_id
    number.connection_type = Connection.EMBEDDED
    tenant_services.number_set_business_token(number, token=graph.token, expires_in=expires_in)
    number.display_name = str(info.get("verified_name") or client.business_name)[:200]
    _save_new_row(number, status=Status.VERIFIED)
    return _activate(number, graph)


def pick_embedded_number(*, client: Client, phone_number_id: str) -> WhatsAppNumber:
    """The client picks one number of the WABA that Embedded Signup connected without one.

    The pick is checked against the WABA's numbers as Meta lists them now, with the client's own token: an id
    that is not in that WABA (another client's, a typo) is refused before anything is written.
    """
    pending = pending_waba_of(client=client)
    if pending is None:
        raise onboarding_error("no_pending_waba")
    pnid = _digits(phone_number_id)
    graph = GraphClient(pending.business_token)
    if not pnid or pnid not in {row["id"] for row in waba_phone_numbers(graph, pending.waba_id)}:
        raise onboarding_error("number_not_in_waba")
    return connect_embedded_number(
        client=client, graph=graph, expires_in=_token_left(pending), waba_id=pending.waba_id, phone_number_id=pnid
    )


def add_embedded_number(*, client: Client, phone_number: str, display_name: str = "") -> WhatsAppNumber:
    """Add a number to the WABA that Embedded Signup connected without one, with the client's own token, and
    have Meta send it the 6-digit code; the client then verifies it like a hosted number (verify-whatsapp).

    The number row is written before Meta is asked (it records the failure if Meta refuses); it belongs to the
    client's WABA, so no place of the operator's portfolio is held.
    """
    pending = pending_waba_of(client=client)
    if pending is None:
        raise onboarding_error("no_pending_waba")
    e164, country_code, national = parse_phone_number(phone_number)
    display_name = (display_name or client.business_name).strip()[:200]
    number = WhatsAppNumber.objects.filter(phone_number=e164).first()
    if number is not None and number.client_id != client.pk:
        raise onboarding_error("number_in_use")
    if number is not None and number.status in (Status.ACTIVE, Status.SUSPENDED):
        raise onboarding_error("number_already_active")
    _abandon_other_attempts(client=client, e164=e164)
    number = number or WhatsAppNumber(client=client, phone_number=e164)
    number.phone_number_id, number.waba_id, number.display_name = None, pending.waba_id, display_name
    number.connection_type = Connection.EMBEDDED
    tenant_services.number_set_business_token(number, token=pending.business_token, expires_in=_token_left(pending))
    _save_new_row(number, status=Status.PENDING)
    graph = GraphClient(pending.business_token)
    try:
        added = graph.add_phone_number(pending.waba_id, country_code, national, display_name)
    except GraphError as exc:
        raise _record_failure(number, error_for_graph(exc, step="add")) from exc
    tenant_services.number_set_meta_id(number, phone_number_id=str(added.get("id") or "") or None)
    return _send_code(number, graph, method="SMS")


def _token_left(pending: PendingWabaConnection) -> int | None:
    """The seconds left of the kept business token since it was exchanged (None: it does not expire)."""
    if not pending.token_expires_in:
        return None
    return max(int(pending.token_expires_in - (timezone.now() - pending.created_at).total_seconds()), 1)
