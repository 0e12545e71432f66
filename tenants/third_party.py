"""Our names for the back-office sections of the third-party apps tenants relies on: django-axes (the login
lockout, tenants/lockout.py) and django-rest-knox (people's API tokens, tenants/tokens.py).

Neither ships Spanish, and knox names nothing for people at all ("auth tokens", "digest"), so the operator's
Spanish back office showed English among Spanish. Django's way for an app we do not control: subclass its
AppConfig and list the subclass in INSTALLED_APPS (crm/settings.py). The app keeps its label, models and tables;
only the names people read change. Axes marks its own labels for translation, so their Spanish lives in our
catalog (tenants/locale), kept there by the list below; knox's auto-generated names are set when it is ready,
on the labels only (`_meta.verbose_name`, a field's `verbose_name`), never on what migrations read
(`original_attrs`, the field's declared `_verbose_name`), so no migration follows.
"""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# The labels django-axes marks for translation in its models and admin, for makemessages to keep in our catalog.
AXES_LABELS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Access Attempt"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
)

KNOX_TOKEN_LABELS = {
    "digest": _("digest"),
    "token_key": _("token start"),
    "user": _("user"),
    "created": _("created"),
    "expiry": _("expires"),
}


class AxesConfig(AxesAppConfig):
    """django-axes, shown as the login lockout it is for us."""

    verbose_name = _("Login lockout")


class KnoxConfig(AppConfig):
    """django-rest-knox, shown as people's API tokens (POST /api/auth/token), with Spanish model and field names."""

    name = "knox"
    verbose_name = _("API tokens")

    def ready(self) -> None:
        token = self.get_model("AuthToken")
        token._meta.verbose_name = _("personal API token")
        token._meta.verbose_name_plural = _("personal API tokens")
        for name, label in KNOX_TOKEN_LABELS.items():
            token._meta.get_field(name).verbose_name = label
