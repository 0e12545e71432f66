"""What the assistant knows about a client: its persona and its knowledge base."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Client
from tenants.scoping import TenantQuerySet


class Persona(models.Model):
    """How the assistant speaks for one client, and when it steps aside."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="persona")
    enabled = models.BooleanField(_("AI answers"), default=True)
    assistant_name = models.CharField(_("assistant name"), max_length=80, blank=True)
    business_description = models.TextField(_("what the business is and sells"), blank=True)
    tone = models.CharField(_("tone"), max_length=200, blank=True, default="amable y profesional")
    language = models.CharField(
        _("language"), max_length=10, default="auto", help_text=_("'auto' answers in the customer's language.")
    )
    greeting = models.TextField(_("greeting"), blank=True)
    business_hours = models.TextField(_("business hours"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/Bogota")
    booking_instructions = models.TextField(_("how to book or buy"), blank=True)
    conversion_goal = models.CharField(
        _("conversion goal"), max_length=200, blank=True, help_text=_("What counts as a converted conversation.")
    )
    never_say = models.TextField(_("never say"), blank=True)
    handoff_keywords = models.TextField(
        _("handoff triggers"), blank=True, help_text=_("Words that bring a person in, one per line.")
    )
    max_reply_chars = models.PositiveIntegerField(_("maximum reply length"), default=700)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")

    def __str__(self) -> str:
        return f"Persona of {self.client}"


class KnowledgeEntry(models.Model):
    """A question the business is often asked and its answer, or a free-text note."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="knowledge")
    question = models.CharField(_("question"), max_length=500, blank=True)
    answer = models.TextField(_("answer"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge base")

    def __str__(self) -> str:
        return self.question or self.answer[:60]
