"""Onboarding steps that do not talk to Meta: sign a client up, issue its setup code, describe the business.

The number pipelines (hosted and Embedded Signup) live in `onboarding.numbers`. Rows are written by their
owners: clients and members by `tenants.services`, the persona by `ai.services`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from ai.greetings import split_greeting
from ai.models import Persona
from ai.services import persona_update
from core.mail import header_text
from core.queue import enqueue_on_commit
from onboarding.meta_errors import OnboardingError, onboarding_error
from onboarding.models import PendingWabaConnection
from onboarding.selectors import setup_code_digest
from tenants import services as tenant_services
from tenants.models import Client
from tenants.selectors import owner_of

# One notice per account in this many seconds: repeated sign-ups with someone's e-mail cannot flood their inbox.
SIGNUP_NOTICE_EVERY_SECONDS = 3600


def issue_setup_code(*, client: Client) -> str:
    """A fresh unguessable code for this client (the previous one stops working); only its digest is kept."""
    setup_code = secrets.token_urlsafe(24)
    tenant_services.client_set_setup_code(
        client=client,
        digest=setup_code_digest(setup_code),
        expires_at=timezone.now() + timedelta(days=settings.SETUP_CODE_TTL_DAYS),
    )
    return setup_code


def _check_password(password: str, *, email: str, name: str) -> None:
    user = get_user_model()(username=email, email=email, first_name=name[:150])
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise onboarding_error("weak_password", details={"password": list(exc.messages)}) from exc


def register_client(*, name: str, email: str, business_name: str, password: str | None = None) -> tuple[Client, str]:
    """Create the client, its owner (email is the username) and the owner membership; return the setup code.

    Without a password the owner gets an unusable one and sets it later on the onboarding page.
    """
    email = email.strip().lower()
    user_model = get_user_model()
    if user_model._default_manager.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise onboarding_error("email_in_use")
    if password:
        _check_password(password, email=email, name=name)
    try:
        with transaction.atomic():
            user = user_model._default_manager.create_user(
                username=email, email=email, password=password or None, first_name=name.strip()[:150]
            )
            client = tenant_services.client_create_with_owner(
                name=name.strip(), email=email, business_name=business_name.strip(), user=user
            )
            setup_code = issue_setup_code(client=client)
    except IntegrityError as exc:  # a concurrent signup with the same email won the race
        raise onboarding_error("email_in_use") from exc
    return client, setup_code


@dataclass(frozen=True)
class Registration:
    """What the public sign-up answers: the same fields whether or not the e-mail already had an account."""

    client_id: int
    setup_code: str
    expires_at: datetime


def _account_for_email(email: str):
    user_model = get_user_model()
    return user_model._default_manager.filter(Q(email__iexact=email) | Q(username__iexact=email)).first()


def signup(*, name: str, email: str, business_name: str, password: str | None = None) -> Registration:
    """The public sign-up (API and page): it never tells whether `email` already has an account.

    A new e-mail gets its client, owner and setup code (`register_client`). An e-mail that has an account
    gets the same answer with a setup code that opens nothing and an id no client has; nothing changes,
    and the account holder is told by e-mail instead (docs/security.md explains what this hides and what not).
    """
    email = email.strip().lower()
    if password:  # checked first for both, so a weak password is refused alike
        _check_password(password, email=email, name=name)
    existing = _account_for_email(email)
    if existing is None:
        try:
            client, setup_code = register_client(name=name, email=email, business_name=business_name, password=password)
        except OnboardingError as exc:
            existing = _account_for_email(email) if exc.code == "email_in_use" else None
            if existing is None:
                raise
        else:
            return Registration(client.pk, setup_code, client.setup_code_expires_at)
    return _registration_for_existing_account(user=existing, business_name=business_name, password=password)


def _registration_for_existing_account(*, user, business_name: str, password: str | None) -> Registration:
    if password:
        make_password(password)  # a real sign-up hashes it: the same work, so the answer takes as long
    if cache.add(f"onboarding:signup-notice:{user.pk}", 1, timeout=SIGNUP_NOTICE_EVERY_SECONDS):
        enqueue_on_commit("onboarding.notify_existing_account", user.pk, business_name)
    return Registration(
        client_id=tenant_services.client_id_unclaimed(),
        setup_code=secrets.token_urlsafe(24),  # as long as a real code; never stored, so it opens nothing
        expires_at=timezone.now() + timedelta(days=settings.SETUP_CODE_TTL_DAYS),
    )


def existing_account_notify(*, user_id: int, business_name: str) -> bool:
    """Tell the holder of an account that someone tried to sign up again with its e-mail (False: no user)."""
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Someone tried to sign up with your e-mail")
        body = gettext(
            "Someone (perhaps you) tried to create a new CRM Master account with this e-mail address, for the "
            "business “%(business)s”.\n\nYou already have an account: log in at %(login_url)s. If you forgot "
            "your password, choose a new one at %(reset_url)s.\n\nIf it was not you, ignore this message: nothing "
            "changed in your account."
        ) % {
            "business": header_text(business_name),
            "login_url": f"{settings.PUBLIC_BASE_URL}{settings.LOGIN_URL}",
            "reset_url": f"{settings.PUBLIC_BASE_URL}{reverse('portal:password-reset')}",
        }
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    return True


def set_owner_password(*, client: Client, password: str) -> None:
    """The owner who signed up without a password picks one; a password already set is never replaced here."""
    user = owner_of(client=client)
    if user is None or user.has_usable_password():
        raise onboarding_error("password_already_set")
    _check_password(password, email=user.email, name=user.first_name)
    user.set_password(password)
    user.save(update_fields=["password"])


def default_click_to_chat_text(client: Client) -> str:
    """The customer's line the QR code types for them until the owner writes their own."""
    return gettext("Hello %(business)s, I would like more information.") % {"business": client.business_name}


def save_business_profile(
    *,
    client: Client,
    business_description: str,
    business_hours: str,
    greeting: str = "",
    click_to_chat_text: str | None = None,
) -> Persona:
    """What the assistant needs to start: what the business does, when it is open, the line customers send
    from the QR code (`click_to_chat_text`) and the assistant's own welcome (`greeting`).

    A caller that sends only the old one-field `greeting` (the API before the split) gets it placed the way
    the data migration placed stored ones (ai.greetings.split_greeting): a business line is the welcome,
    any other line is the click-to-chat text."""
    if click_to_chat_text is None:
        greeting, click_to_chat_text = split_greeting(greeting)
        if not click_to_chat_text:
            current = getattr(client, "persona", None)
            click_to_chat_text = (current.click_to_chat_text if current else "") or default_click_to_chat_text(client)
    return persona_update(
        client=client,
        data={
            "business_description": business_description.strip(),
            "greeting": greeting.strip(),
            "click_to_chat_text": click_to_chat_text.strip(),
            "business_hours": business_hours.strip(),
        },
    )


# --- Embedded Signup without a number ------------------------------------------------------------
def pending_waba_save(
    *, client: Client, waba_id: str, token: str, expires_in: Any, phone_numbers: list[dict[str, str]]
) -> PendingWabaConnection:
    """Keep the client's WABA and its business token until a number is picked (a new signup replaces it)."""
    try:
        seconds: int | None = int(expires_in) if expires_in else None
    except (TypeError, ValueError):
        seconds = None
    values = {"waba_id": waba_id, "business_token": token, "token_expires_in": seconds, "phone_numbers": phone_numbers}
    pending, _created = PendingWabaConnection.objects.update_or_create(client=client, defaults=values)
    return pending


def pending_waba_clear(*, client: Client) -> None:
    """A number of the client went live through Embedded Signup: nothing waits any more."""
    PendingWabaConnection.objects.for_client(client).delete()
