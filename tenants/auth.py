"""Log in with an email address as well as a username (clients sign up with their email)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AbstractBaseUser


def user_for_login(identifier: str) -> AbstractBaseUser | None:
    """The account a login identifier names: an email (any case) first, else an exact username.

    The authentication backend and the lockout (tenants/lockout.py) both use it, so "Ana@x.com", "ana@x.com"
    and Ana's username are one account to both: changing case never buys more password guesses.
    """
    user_model = get_user_model()
    return (
        user_model._default_manager.filter(email__iexact=identifier).order_by("id").first()
        or user_model._default_manager.filter(username=identifier).first()
    )


class EmailOrUsernameBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        username = username or kwargs.get("email")
        if not username or password is None:
            return None
        user = user_for_login(username)
        if user is None:
            get_user_model()().set_password(password)  # same work either way: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
