"""What the assistant knows about a client: its persona and its knowledge base."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from ai.intake import DEFAULT_REQUEST_FIELDS
from tenants.models import Client
from tenants.scoping import TenantQuerySet

WHATSAPP_TEXT_LIMIT = 4096  # characters in one WhatsApp text message body


class Persona(models.Model):
    """How the assistant speaks for one client, and when it steps aside."""

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="persona", verbose_name=_("client"))
    enabled = models.BooleanField(_("AI answers"), default=True)
    assistant_name = models.CharField(_("assistant name"), max_length=80, blank=True)
    business_description = models.TextField(_("what the business is and sells"), blank=True)
    tone = models.CharField(_("tone"), max_length=200, blank=True, default="amable y profesional")

    class Language(models.TextChoices):
        AUTO = "auto", _("The customer's language")
        SPANISH = "es", _("Spanish")
        ENGLISH = "en", _("English")

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=Language.choices,
        default=Language.AUTO,
        help_text=_("'auto' answers in the customer's language."),
    )
    # Two texts that were once one field ("greeting") and meant opposite things (issue 12):
    greeting = models.TextField(
        _("assistant's welcome"),
        blank=True,
        help_text=_("The assistant's own answer when a customer just says hello; empty uses ours."),
    )
    click_to_chat_text = models.TextField(
        _("click-to-chat text"),
        blank=True,
        help_text=_(
            "What the customer's phone types for them when they scan the QR code or open the wa.me link; "
            "the assistant answers it with the welcome."
        ),
    )
    business_hours = models.TextField(_("business hours"), blank=True)
    timezone = models.CharField(_("time zone"), max_length=64, default="America/Bogota")
    booking_instructions = models.TextField(_("how to book or buy"), blank=True)
    address = models.TextField(
        _("address"), blank=True, help_text=_("Where customers find you: street, neighbourhood, city.")
    )
    conversion_goal = models.CharField(
        _("conversion goal"), max_length=200, blank=True, help_text=_("What counts as a converted conversation.")
    )
    never_say = models.TextField(_("never say"), blank=True)
    handoff_keywords = models.TextField(
        _("handoff triggers"), blank=True, help_text=_("Words that bring a person in, one per line.")
    )
    max_reply_chars = models.PositiveIntegerField(
        _("maximum reply length"),
        default=700,
        validators=[MinValueValidator(80), MaxValueValidator(WHATSAPP_TEXT_LIMIT)],
        help_text=_("Characters; replies are cut on a sentence boundary."),
    )
    handoff_message = models.TextField(
        _("handoff message"),
        blank=True,
        help_text=_("What the customer reads when a person takes over; empty uses ours."),
    )
    conversion_keywords = models.TextField(
        _("conversion confirmations"),
        blank=True,
        help_text=_("Phrases that confirm the goal (e.g. 'confirmo la cita'), one per line; empty uses ours."),
    )
    request_fields = models.TextField(
        _("details to take down for a request"),
        blank=True,
        default=DEFAULT_REQUEST_FIELDS,
        help_text=_(
            "What the assistant asks when a customer wants to book, order or be called back, one per line "
            "(e.g. name, service, day and time, address). Empty: the assistant takes no requests."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("personas")

    def __str__(self) -> str:
        return f"Persona of {self.client}"


class KnowledgeEntry(models.Model):
    """A question the business is often asked and its answer, or a free-text note."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="knowledge", verbose_name=_("client"))
    question = models.CharField(_("question"), max_length=500, blank=True)
    answer = models.TextField(_("answer"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("knowledge entry")
        verbose_name_plural = _("knowledge base")

    def __str__(self) -> str:
        return self.question or self.answer[:60]


class AiReplyLog(models.Model):
    """One row per reply the assistant produced (sent or previewed): what it cost and how it went."""

    class Source(models.TextChoices):
        REPLY = "reply", _("Reply")
        PREVIEW = "preview", _("Preview")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="ai_reply_logs", verbose_name=_("client"))
    conversation = models.ForeignKey(
        "whatsapp.Conversation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_reply_logs",
        verbose_name=_("conversation"),
    )
    message = models.ForeignKey(
        "whatsapp.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ai_reply_logs",
        verbose_name=_("message"),
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.REPLY, verbose_name=_("source"))
    provider = models.CharField(_("provider"), max_length=20)
    model = models.CharField(_("model"), max_length=100, blank=True)
    latency_ms = models.PositiveIntegerField(_("latency (ms)"), default=0)
    prompt_tokens = models.PositiveIntegerField(default=0, verbose_name=_("prompt tokens"))
    completion_tokens = models.PositiveIntegerField(default=0, verbose_name=_("completion tokens"))
    estimated_cost = models.DecimalField(_("estimated cost (USD)"), max_digits=12, decimal_places=6, default=0)
    fallback_used = models.BooleanField(_("fallback used"), default=False)
    handoff = models.BooleanField(_("handed off"), default=False)
    knowledge_entry_id = models.BigIntegerField(null=True, blank=True, verbose_name=_("knowledge entry id"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["client", "-created_at"])]
        verbose_name = _("AI reply log")
        verbose_name_plural = _("AI reply logs")

    def __str__(self) -> str:
        return f"{self.provider} {self.model} {self.latency_ms} ms"
