"""Logins and failed logins are audited from Django's auth signals (observers, no business logic)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from audit.services import audit_record


@receiver(user_logged_in, dispatch_uid="audit-user-logged-in")
def _logged_in(sender, request, user, **kwargs) -> None:
    audit_record(action="auth.login", obj=user, actor=user, object_repr=getattr(user, "email", "") or str(user))


@receiver(user_login_failed, dispatch_uid="audit-user-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the identifier typed, never the password (Django already masks it).
    who = str(credentials.get("username") or credentials.get("email") or "")[:200]
    audit_record(action="auth.login_failed", actor=None, object_repr=who)
