"""Writes of onboarding that do not talk to Meta: sign a client up, issue its setup code, describe the business.

The number pipelines (hosted and Embedded Signup) live in `tenants.onboarding`.
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
from tenants.meta_errors import onboarding_error
from tenants.models import Client, Membership
from tenants.selectors import setup_code_digest


def issue_setup_code(*, client: Client) -> str:
    """A fresh unguessable code for this client (the previous one stops working); only its digest is kept."""
    setup_code = secrets.token_urlsafe(24)
    client.setup_code_digest = setup_code_digest(setup_code)
    client.setup_code_expires_at = timezone.now() + timedelta(days=settings.SETUP_CODE_TTL_DAYS)
    client.save(update_fields=["setup_code_digest", "setup_code_expires_at", "updated_at"])
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
            client = Client.objects.create(
                name=name.strip(), email=email, business_name=business_name.strip(), status=Client.Status.ONBOARDING
            )
            user = user_model._default_manager.create_user(
                username=email, email=email, password=password or None, first_name=name.strip()[:150]
            )
            Membership.objects.create(user=user, client=client, role=Membership.Role.OWNER)
            setup_code = issue_setup_code(client=client)
    except IntegrityError as exc:  # a concurrent signup with the same email won the race
        raise onboarding_error("email_in_use") from exc
    return client, setup_code


def owner_of(*, client: Client):
    membership = Membership.objects.for_client(client).filter(role=Membership.Role.OWNER).select_related("user").first()
    return membership.user if membership else None


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
    persona, _ = Persona.objects.get_or_create(client=client)
    persona.business_description = business_description.strip()
    persona.greeting = greeting.strip()
    persona.business_hours = business_hours.strip()
    persona.save(update_fields=["business_description", "greeting", "business_hours", "updated_at"])
    return persona
