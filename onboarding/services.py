"""Onboarding steps that do not talk to Meta: sign a client up, issue its setup code, describe the business.

The number pipelines (hosted and Embedded Signup) live in `onboarding.numbers`. Rows are written by their
owners: clients and members by `tenants.services`, the persona by `ai.services`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from ai.models import Persona
from ai.services import persona_update
from onboarding.meta_errors import onboarding_error
from onboarding.selectors import setup_code_digest
from tenants import services as tenant_services
from tenants.models import Client
from tenants.selectors import owner_of


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


def set_owner_password(*, client: Client, password: str) -> None:
    """The owner who signed up without a password picks one; a password already set is never replaced here."""
    user = owner_of(client=client)
    if user is None or user.has_usable_password():
        raise onboarding_error("password_already_set")
    _check_password(password, email=user.email, name=user.first_name)
    user.set_password(password)
    user.save(update_fields=["password"])


def save_business_profile(*, client: Client, business_description: str, greeting: str, business_hours: str) -> Persona:
    """What the assistant needs to start: what the business does, how to greet, when it is open."""
    return persona_update(
        client=client,
        data={
            "business_description": business_description.strip(),
            "greeting": greeting.strip(),
            "business_hours": business_hours.strip(),
        },
    )
