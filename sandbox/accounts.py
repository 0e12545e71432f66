"""Meta's side of onboarding: accounts, numbers, verification codes, PINs and Embedded Signup codes."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sandbox.delivery import post_later
from sandbox.meta import MetaError, account_envelope, digits, new_numeric_id
from sandbox.models import SandboxAuthCode, SandboxBusinessAccount, SandboxPhoneNumber

AUTH_CODE_TTL = timedelta(seconds=30)
OTP_TTL = timedelta(minutes=10)
MAX_OTP_ATTEMPTS = 5
REGISTER_CALLS_PER_72H = 10
NUMBER_CAP_UNVERIFIED, NUMBER_CAP_VERIFIED = 2, 20
# Magic numbers (docs/sandbox.md): still on WhatsApp / not eligible, and "already has a PIN".
NOT_ELIGIBLE_SUFFIX = "0000"
EXISTING_PIN_SUFFIX = "5555"
EXISTING_PIN = "555555"


# --- tokens ----------------------------------------------------------------------------------
def token_of(account: SandboxBusinessAccount) -> str:
    """The bearer token that may act on this account: the master token for the operator's."""
    return settings.WHATSAPP_MASTER_TOKEN if account.is_operator else account.access_token


def operator_account() -> SandboxBusinessAccount:
    """The operator's WABA, created on first use from the WHATSAPP_* settings."""
    account, _ = SandboxBusinessAccount.objects.get_or_create(
        waba_id=settings.WHATSAPP_BUSINESS_ACCOUNT_ID,
        defaults={
            "name": "Operator",
            "access_token": settings.WHATSAPP_MASTER_TOKEN,
            "is_operator": True,
            "business_verified": getattr(settings, "SANDBOX_OPERATOR_VERIFIED", True),
            "business_id": new_numeric_id(),
        },
    )
    return account


def find_account(waba_id: str) -> SandboxBusinessAccount | None:
    if waba_id and waba_id == settings.WHATSAPP_BUSINESS_ACCOUNT_ID:
        return operator_account()
    return SandboxBusinessAccount.objects.filter(waba_id=waba_id).first()


def find_number(phone_number_id: str) -> SandboxPhoneNumber | None:
    return SandboxPhoneNumber.objects.select_related("account").filter(phone_number_id=phone_number_id).first()


def number_cap(account: SandboxBusinessAccount) -> int:
    return NUMBER_CAP_VERIFIED if account.business_verified else NUMBER_CAP_UNVERIFIED


# --- hosted flow -----------------------------------------------------------------------------
def add_phone_number(
    *, account: SandboxBusinessAccount, cc: str, phone_number: str, verified_name: str
) -> SandboxPhoneNumber:
    """POST /{waba}/phone_numbers: the same id back for a number already in this account."""
    cc, national = digits(cc), digits(phone_number)
    if not cc or not national:
        raise MetaError(100, "cc and phone_number are required and must be digits")
    if not verified_name.strip():
        raise MetaError(100, "verified_name is required")
    full = cc + national
    if not 8 <= len(full) <= 15:
        raise MetaError(100, f"+{full} is not a valid phone number")
    if full.endswith(NOT_ELIGIBLE_SUFFIX):
        raise MetaError(
            100,
            f"+{full} is still registered on WhatsApp or WhatsApp Business. Delete that account before adding it.",
            message="Phone number is not eligible",
        )
    with transaction.atomic():
        existing = SandboxPhoneNumber.objects.select_for_update().filter(display_phone_number=full).first()
        if existing is not None:
            if existing.account_id != account.pk:
                raise MetaError(100, f"+{full} already belongs to another WhatsApp Business Account")
            return existing
        cap = number_cap(account)
        if account.numbers.count() >= cap:
            raise MetaError(
                100,
                f"This business portfolio has reached its limit of {cap} phone numbers"
                + ("" if account.business_verified else "; verify the business to raise it to 20"),
                message="Phone number limit reached",
            )
        try:
            with transaction.atomic():
                return SandboxPhoneNumber.objects.create(
                    account=account,
                    phone_number_id=new_numeric_id(),
                    display_phone_number=full,
                    verified_name=verified_name.strip()[:200],
                    pin=EXISTING_PIN if full.endswith(EXISTING_PIN_SUFFIX) else "",
                    name_status="PENDING_REVIEW",
                )
        except IntegrityError:  # a concurrent add of the same number won
            pass
    raced = SandboxPhoneNumber.objects.get(display_phone_number=full)
    if raced.account_id != account.pk:
        raise MetaError(100, f"+{full} already belongs to another WhatsApp Business Account")
    return raced


def request_code(*, number: SandboxPhoneNumber, code_method: str, language: str) -> str:
    """Meta sends a 6-digit code by SMS or voice; here it is readable at /sandbox/api/otp."""
    if code_method.upper() not in ("SMS", "VOICE"):
        raise MetaError(100, "code_method must be SMS or VOICE")
    if not language:
        raise MetaError(100, "language is required")
    code = f"{secrets.randbelow(10**6):06d}"
    SandboxPhoneNumber.objects.filter(pk=number.pk).update(otp_code=code, otp_attempts=0, otp_sent_at=timezone.now())
    return code


def verify_code(*, number: SandboxPhoneNumber, code: str) -> None:
    error = None
    with transaction.atomic():  # the attempt is counted even when the answer is an error
        number = SandboxPhoneNumber.objects.select_for_update().get(pk=number.pk)
        if number.otp_attempts >= MAX_OTP_ATTEMPTS:
            error = MetaError(133008, "Too many wrong codes; request a new code")
        elif not number.otp_code or not number.otp_sent_at:
            error = MetaError(136025, "No code was requested for this number; call request_code first")
        elif timezone.now() - number.otp_sent_at > OTP_TTL:
            number.code_verification_status = "EXPIRED"
            error = MetaError(136025, "The code has expired; request a new one")
        elif digits(code) != number.otp_code:
            number.otp_attempts += 1
            error = MetaError(136025, "The code you entered is not correct")
        else:
            number.code_verification_status = "VERIFIED"
            number.otp_code, number.otp_attempts = "", 0
        number.save(update_fields=["code_verification_status", "otp_code", "otp_attempts"])
    if error is not None:
        raise error


def _count_register_call(number: SandboxPhoneNumber) -> None:
    """Meta allows 10 register and deregister calls per number in 72 hours."""
    now = time.time()
    recent = [t for t in number.register_calls if now - t < 72 * 3600]
    if len(recent) >= REGISTER_CALLS_PER_72H:
        raise MetaError(133016, "More than 10 register/deregister calls in 72 hours")
    number.register_calls = [*recent, now]


def register(*, number: SandboxPhoneNumber, pin: str) -> None:
    if len(pin) != 6 or not pin.isdigit():
        raise MetaError(100, "pin must be 6 digits")
    with transaction.atomic():
        number = SandboxPhoneNumber.objects.select_for_update().get(pk=number.pk)
        if number.code_verification_status != "VERIFIED":
            raise MetaError(133006, "Verify the phone number (request_code, verify_code) before registering it")
        if number.pin and number.pin != pin:
            raise MetaError(133005, "This number already has a two-step verification PIN; use it or reset it")
        _count_register_call(number)
        number.pin, number.registered, number.deregistered_at = pin, True, None
        if number.name_status == "PENDING_REVIEW":
            number.name_status = "APPROVED"
        number.save(update_fields=["pin", "registered", "deregistered_at", "name_status", "register_calls"])


def deregister(*, number: SandboxPhoneNumber) -> None:
    with transaction.atomic():
        number = SandboxPhoneNumber.objects.select_for_update().get(pk=number.pk)
        _count_register_call(number)
        number.registered, number.deregistered_at = False, timezone.now()
        number.save(update_fields=["registered", "deregistered_at", "register_calls"])


def delete_number(*, number: SandboxPhoneNumber) -> None:
    """DELETE /{pnid}: the number leaves its account, which then holds one number fewer against its cap.

    Its chats stay in the sandbox's log; adding the same number again later gives it a new id.
    """
    SandboxPhoneNumber.objects.filter(pk=number.pk).delete()


def update_number(*, number: SandboxPhoneNumber, body: dict[str, Any]) -> None:
    """POST /{pnid}: change the two-step PIN and/or the webhook override."""
    changed: list[str] = []
    if "pin" in body:
        pin = str(body["pin"])
        if len(pin) != 6 or not pin.isdigit():
            raise MetaError(100, "pin must be 6 digits")
        number.pin = pin
        changed.append("pin")
    if "webhook_configuration" in body:
        config = body["webhook_configuration"]
        uri = str((config or {}).get("override_callback_uri") or "") if isinstance(config, dict) else None
        if uri is None or len(uri) > 200 or (uri and not uri.startswith(("http://", "https://"))):
            raise MetaError(100, "webhook_configuration.override_callback_uri must be a URL of at most 200 chars")
        number.webhook_override_url = uri
        changed.append("webhook_override_url")
    if not changed:
        raise MetaError(100, "Nothing to update: send pin or webhook_configuration")
    number.save(update_fields=changed)


# --- reading a number ------------------------------------------------------------------------
def number_status(number: SandboxPhoneNumber) -> str:
    if number.registered:
        return "CONNECTED"
    return "DISCONNECTED" if number.deregistered_at else "PENDING"


def number_fields(number: SandboxPhoneNumber) -> dict[str, Any]:
    verified = number.account.business_verified
    return {
        "id": number.phone_number_id,
        "display_phone_number": f"+{number.display_phone_number}",
        "verified_name": number.verified_name,
        "status": number_status(number),
        "quality_rating": number.quality_rating,
        "name_status": number.name_status,
        "code_verification_status": number.code_verification_status,
        "whatsapp_business_manager_messaging_limit": "TIER_2K" if verified else "TIER_250",
        "throughput": {"level": "STANDARD"},
        "platform_type": "CLOUD_API" if number.registered else "NOT_APPLICABLE",
        "is_pin_enabled": bool(number.pin),
        "is_official_business_account": False,
        "webhook_configuration": {"application": settings.WEBHOOK_URL}
        | ({"phone_number": number.webhook_override_url} if number.webhook_override_url else {}),
    }


DEFAULT_FIELDS = ("id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status")


def select_fields(number: SandboxPhoneNumber, fields: str) -> dict[str, Any]:
    everything = number_fields(number)
    wanted = [f.strip() for f in fields.split(",") if f.strip()] or list(DEFAULT_FIELDS)
    unknown = [f for f in wanted if f not in everything]
    if unknown:
        raise MetaError(100, f"Tried accessing nonexisting field ({unknown[0]}) on node type (PhoneNumber)")
    return {"id": number.phone_number_id} | {f: everything[f] for f in wanted}


# --- subscribed apps ---------------------------------------------------------------------------
def app_entry() -> dict[str, Any]:
    return {"whatsapp_business_api_data": {"id": settings.WHATSAPP_APP_ID, "name": "CRM Master", "link": ""}}


def subscribed_apps(account: SandboxBusinessAccount) -> list[dict[str, Any]]:
    # The operator configured its own app on its own WABA in the App Dashboard.
    if account.is_operator and not account.subscribed_apps:
        return [app_entry()]
    return list(account.subscribed_apps)


def subscribe_app(*, account: SandboxBusinessAccount) -> None:
    app_ids = [a.get("whatsapp_business_api_data", {}).get("id") for a in account.subscribed_apps]
    if settings.WHATSAPP_APP_ID not in app_ids:
        account.subscribed_apps = [*account.subscribed_apps, app_entry()]
        account.save(update_fields=["subscribed_apps"])


def unsubscribe_app(*, account: SandboxBusinessAccount) -> None:
    account.subscribed_apps = []
    account.save(update_fields=["subscribed_apps"])


def is_subscribed(account: SandboxBusinessAccount) -> bool:
    return bool(subscribed_apps(account))


# --- Embedded Signup ---------------------------------------------------------------------------
class SignupRefused(ValueError):
    """Embedded Signup cannot go on; `code` lets pages show their own translated message."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _create_signup(*, full: str, name: str) -> tuple[SandboxAuthCode, SandboxPhoneNumber]:
    """The account and number on first signup (reused after), plus a fresh code."""
    with transaction.atomic():
        number = SandboxPhoneNumber.objects.select_related("account").filter(display_phone_number=full).first()
        if number is not None and number.account.is_operator:
            raise SignupRefused("hosted", f"+{full} is already hosted on the operator's account")
        if number is None:
            account = SandboxBusinessAccount.objects.create(
                waba_id=new_numeric_id(),
                business_id=new_numeric_id(),
                name=name,
                access_token="EAAS" + secrets.token_urlsafe(32),
                business_verified=False,
            )
            number = SandboxPhoneNumber.objects.create(
                account=account,
                phone_number_id=new_numeric_id(),
                display_phone_number=full,
                verified_name=name,
                code_verification_status="VERIFIED",
                pin=EXISTING_PIN if full.endswith(EXISTING_PIN_SUFFIX) else "",
            )
        code = SandboxAuthCode.objects.create(code="AQ" + secrets.token_urlsafe(48), account=number.account)
    return code, number


def embedded_signup(*, business_name: str, phone_number: str) -> tuple[SandboxAuthCode, SandboxPhoneNumber]:
    """What finishing Meta's popup does: the client's own WABA, a verified number and a 30-second code.

    Running it again for a number that an Embedded Signup account already holds reconnects that account.
    """
    full = digits(phone_number)
    if not 8 <= len(full) <= 15:
        raise SignupRefused(
            "invalid_phone", "phone_number must be a phone number with country code, e.g. +573001234567"
        )
    if full.endswith(NOT_ELIGIBLE_SUFFIX):
        raise SignupRefused("not_eligible", f"+{full} is still registered on WhatsApp; it cannot be onboarded")
    name = business_name.strip()[:200]
    if not name:
        raise SignupRefused("name_required", "business_name is required")
    try:
        code, number = _create_signup(full=full, name=name)
    except IntegrityError:  # the same number signed up concurrently: now it exists, reconnect to it
        code, number = _create_signup(full=full, name=name)
    if settings.SANDBOX_STATUS_WEBHOOKS:
        post_later([(0.2, partner_added_webhook(number.account), None)])
    return code, number


def partner_added_webhook(account: SandboxBusinessAccount) -> dict[str, Any]:
    """Meta's `account_update` PARTNER_ADDED, sent to the app when a client finishes Embedded Signup."""
    value = {
        "event": "PARTNER_ADDED",
        "waba_info": {"waba_id": account.waba_id, "owner_business_id": account.business_id},
    }
    return account_envelope(account.waba_id, "account_update", value)


def exchange_code(*, client_id: str, client_secret: str, code: str) -> str:
    """GET /oauth/access_token: the account's token for a fresh, unused code."""
    if client_id != settings.WHATSAPP_APP_ID or client_secret != settings.WHATSAPP_APP_SECRET:
        raise MetaError(101, message="Error validating client secret.")
    with transaction.atomic():
        auth = SandboxAuthCode.objects.select_for_update().select_related("account").filter(code=code).first()
        if auth is None:
            raise MetaError(100, message="Invalid verification code format.")
        if auth.used_at is not None:
            raise MetaError(100, message="This authorization code has been used.")
        if timezone.now() - auth.created_at > AUTH_CODE_TTL:
            raise MetaError(100, message="This authorization code has expired.")
        auth.used_at = timezone.now()
        auth.save(update_fields=["used_at"])
    return auth.account.access_token
