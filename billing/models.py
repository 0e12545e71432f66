"""Usage per number per calendar month, the ledger of what was counted, alerts and Meta prices."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from tenants.models import Client, WhatsAppNumber
from tenants.scoping import TenantQuerySet


class Category(models.TextChoices):
    """What an outbound message is billed as (Meta's pricing categories, folded to four plus unknown)."""

    SERVICE = "service", _("Service (free-form)")
    MARKETING = "marketing", _("Marketing template")
    UTILITY = "utility", _("Utility template")
    AUTHENTICATION = "authentication", _("Authentication template")
    UNCATEGORIZED = "uncategorized", _("Template, category not yet known")


TEMPLATE_COUNTERS = {
    Category.MARKETING: "template_marketing",
    Category.UTILITY: "template_utility",
    Category.AUTHENTICATION: "template_authentication",
    Category.UNCATEGORIZED: "template_uncategorized",
}


class UsagePeriod(models.Model):
    """One row per (number, month in TIME_ZONE). Counters only ever move by atomic F() updates."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="usage_periods", verbose_name=_("client"))
    number = models.ForeignKey(
        WhatsAppNumber, on_delete=models.CASCADE, related_name="usage_periods", verbose_name=_("number")
    )
    month = models.DateField(_("month"), help_text=_("First day of the calendar month."))
    allowance = models.PositiveIntegerField(_("free messages this month"))
    service_messages = models.PositiveIntegerField(_("service messages sent"), default=0)
    ai_replies = models.PositiveIntegerField(_("AI replies"), default=0)
    agent_replies = models.PositiveIntegerField(_("agent replies"), default=0)
    template_messages = models.PositiveIntegerField(_("template messages"), default=0)
    template_marketing = models.PositiveIntegerField(_("marketing templates"), default=0)
    template_utility = models.PositiveIntegerField(_("utility templates"), default=0)
    template_authentication = models.PositiveIntegerField(_("authentication templates"), default=0)
    template_uncategorized = models.PositiveIntegerField(_("templates awaiting a category"), default=0)
    inbound_messages = models.PositiveIntegerField(_("inbound messages"), default=0)
    opened_at = models.DateTimeField(auto_now_add=True, verbose_name=_("opened at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

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

    @property
    def percent_used(self) -> int:
        if self.allowance == 0:
            return 100 if self.service_messages else 0
        return round(100 * self.service_messages / self.allowance)


class CountedMessage(models.Model):
    """The ledger: one row per outbound message counted, written in the same transaction as the counters.

    Its primary key is the message, so a second count of the same message cannot happen even if the
    `Message.usage_counted` guard were bypassed. It keeps what pricing needs (when it was sent, the
    recipient's country, Meta's pricing block), handed over by the WhatsApp app, so billing's reports
    never read message rows.
    """

    message = models.OneToOneField("whatsapp.Message", on_delete=models.CASCADE, primary_key=True, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    period = models.ForeignKey(UsagePeriod, on_delete=models.CASCADE, related_name="counted_messages")
    category = models.CharField(_("counted as"), max_length=20, choices=Category.choices)
    country_code = models.CharField(_("recipient calling code"), max_length=4, blank=True)
    counted_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    pricing_category = models.CharField(_("Meta's pricing category"), max_length=40, blank=True)
    pricing_type = models.CharField(_("Meta's pricing type"), max_length=40, blank=True)
    billable = models.BooleanField(_("billable by Meta"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["period", "category"]),
            # The settle sweep looks only for these; a partial index keeps it cheap as the ledger grows.
            models.Index(
                fields=["category"], condition=models.Q(category="uncategorized"), name="counted_awaiting_category"
            ),
        ]
        verbose_name = _("counted message")
        verbose_name_plural = _("counted messages")

    def __str__(self) -> str:
        return f"{self.message_id} {self.category}"


class UsageAlert(models.Model):
    """A number reached 80 % or 100 % of its allowance; at most one per (number, month, threshold)."""

    class Threshold(models.IntegerChoices):
        WARNING = 80, _("80 % of the allowance")
        REACHED = 100, _("Allowance reached")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="usage_alerts", verbose_name=_("client"))
    number = models.ForeignKey(
        WhatsAppNumber, on_delete=models.CASCADE, related_name="usage_alerts", verbose_name=_("number")
    )
    month = models.DateField(_("month"))
    threshold = models.PositiveSmallIntegerField(_("threshold"), choices=Threshold.choices)
    service_messages = models.PositiveIntegerField(_("messages when raised"))
    allowance = models.PositiveIntegerField(_("allowance"))
    policy = models.CharField(_("policy"), max_length=20, choices=Client.QuotaPolicy.choices)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    emailed_at = models.DateTimeField(_("emailed"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["number", "month", "threshold"], name="usage_alert_once_per_month")
        ]
        ordering = ["-created_at"]
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")

    def __str__(self) -> str:
        return f"{self.number.phone_number} {self.month:%Y-%m} {self.threshold}%"


calling_code = RegexValidator(r"^(\*|[1-9][0-9]{0,3})$", _("A calling code without + (such as 57) or *."))


class PriceRule(models.Model):
    """What Meta charges per delivered message of a category to a country, from a date on (USD)."""

    country_code = models.CharField(
        _("recipient calling code"),
        max_length=4,
        default="*",
        validators=[calling_code],
        help_text=_("Without +, such as 57 for Colombia; * applies to every other country."),
    )
    category = models.CharField(
        _("category"), max_length=20, choices=[c for c in Category.choices if c[0] != Category.UNCATEGORIZED]
    )
    price_usd = models.DecimalField(
        _("price per message (USD)"), max_digits=10, decimal_places=5, validators=[MinValueValidator(Decimal(0))]
    )
    effective_from = models.DateField(_("effective from"))
    effective_to = models.DateField(_("effective until"), null=True, blank=True, help_text=_("Inclusive; empty: open."))
    notes = models.CharField(_("notes"), max_length=200, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["country_code", "category", "effective_from"], name="price_rule_unique_start"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True) | models.Q(effective_to__gte=models.F("effective_from")),
                name="price_rule_dates_ordered",
            ),
        ]
        ordering = ["category", "country_code", "-effective_from"]
        verbose_name = _("price rule")
        verbose_name_plural = _("price rules")

    def __str__(self) -> str:
        return f"{self.category} +{self.country_code} {self.price_usd} USD from {self.effective_from}"


class BillingSettings(models.Model):
    """The operator's markup on Meta's prices: a singleton row (pk=1), edited in the admin."""

    markup_percent = models.DecimalField(
        _("markup (%)"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("billing settings")
        verbose_name_plural = _("billing settings")

    def __str__(self) -> str:
        return f"markup {self.markup_percent} %"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> BillingSettings:
        return cls.objects.get_or_create(pk=1)[0]
