"""Usage per number per calendar month: the free allowance and what was sent against it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Client, WhatsAppNumber
from tenants.scoping import TenantQuerySet


class UsagePeriod(models.Model):
    """One row per (number, month in TIME_ZONE). Counters only ever move by atomic F() updates."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="usage_periods")
    number = models.ForeignKey(WhatsAppNumber, on_delete=models.CASCADE, related_name="usage_periods")
    month = models.DateField(_("month"), help_text=_("First day of the calendar month."))
    allowance = models.PositiveIntegerField(_("free messages this month"))
    service_messages = models.PositiveIntegerField(_("service messages sent"), default=0)
    ai_replies = models.PositiveIntegerField(_("AI replies"), default=0)
    agent_replies = models.PositiveIntegerField(_("agent replies"), default=0)
    template_messages = models.PositiveIntegerField(_("template messages"), default=0)
    inbound_messages = models.PositiveIntegerField(_("inbound messages"), default=0)
    opened_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number", "month"], name="usage_unique_number_month")]
        ordering = ["-month", "number"]
        verbose_name = _("usage period")
        verbose_name_plural = _("usage periods")

    def __str__(self) -> str:
        return f"{self.number.phone_number} {self.month:%Y-%m}"

    @property
    def free_messages_used(self) -> int:
        return min(self.service_messages, self.allowance)

    @property
    def free_messages_remaining(self) -> int:
        return max(self.allowance - self.service_messages, 0)

    @property
    def overage(self) -> int:
        return max(self.service_messages - self.allowance, 0)
