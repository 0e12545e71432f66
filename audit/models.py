"""The audit trail: who did what to which object of which client, and when."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditQuerySet(models.QuerySet):
    def for_client(self, client) -> AuditQuerySet:
        """Entries of one client (a Client or its id); an unsaved client matches nothing (fail closed)."""
        client_id = client if isinstance(client, int) else getattr(client, "pk", None)
        return self.none() if client_id is None else self.filter(client_id=client_id)


class AuditEntry(models.Model):
    """One action. Written once by `audit.services.audit_record`, never edited; purged after the retention."""

    class ActorKind(models.TextChoices):
        USER = "user", _("User")
        OPERATOR = "operator", _("Operator")
        API_KEY = "api_key", _("API key")
        SYSTEM = "system", _("System")

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    actor_kind = models.CharField(_("actor"), max_length=10, choices=ActorKind.choices)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor user"),
    )
    # Models by string: audit sits below tenants, which calls it.
    actor_api_key = models.ForeignKey(
        "tenants.ApiKey",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor api key"),
    )
    actor_label = models.CharField(_("who"), max_length=200, blank=True)
    client = models.ForeignKey(
        "tenants.Client", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("client")
    )
    client_label = models.CharField(_("client"), max_length=200, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["client", "-at"])]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_repr}"
