"""The tenant (Client), who may act for it (Membership) and the WhatsApp numbers it owns."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from tenants.scoping import TenantQuerySet

# Warn the client and the operator this long before a client's business token runs out (60-day tokens).
TOKEN_EXPIRY_WARNING = timedelta(days=7)


class Client(models.Model):
    """A business served by the operator: the tenant every owned row points to."""

    class Status(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class QuotaPolicy(models.TextChoices):
        PAUSE_AI = "pause_ai", _("Pause the AI at the allowance")
        ALLOW_OVERAGE = "allow_overage", _("Keep answering and report the overage")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("public id"))
    name = models.CharField(_("contact name"), max_length=200)
    business_name = models.CharField(_("business name"), max_length=200)
    email = models.EmailField(_("email"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ONBOARDING)
    monthly_free_messages = models.PositiveIntegerField(
        _("monthly free messages per number"),
        null=True,
        blank=True,
        help_text=_("Default allowance for this client's numbers; empty uses the operator default."),
    )
    quota_policy = models.CharField(
        _("at the allowance"), max_length=20, choices=QuotaPolicy.choices, default=QuotaPolicy.PAUSE_AI
    )
    # Personal data (Ley 1581 de 2012): message texts and media older than this many days are blanked by the
    # daily `privacy.enforce_retention` job; empty keeps them. Rows and counts stay (billing needs them).
    message_retention_days = models.PositiveIntegerField(
        _("keep message texts and media for (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(36500)],
        help_text=_("Older message texts and media files are deleted every night; empty keeps them."),
    )
    # What the paid model may cost this client a month (ai.budget): tokens, USD or both; empty is no limit.
    ai_monthly_tokens = models.PositiveIntegerField(
        _("AI tokens per month"),
        null=True,
        blank=True,
        help_text=_("Prompt and completion tokens of the OpenAI model this client may use a month; empty: no limit."),
    )
    ai_monthly_cost_usd = models.DecimalField(
        _("AI cost per month (USD)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("Estimated OpenAI cost this client may reach a month; empty: no limit."),
    )
    ai_budget_policy = models.CharField(
        _("at the AI budget"), max_length=20, choices=QuotaPolicy.choices, default=QuotaPolicy.PAUSE_AI
    )
    ai_model = models.CharField(
        _("AI model"),
        max_length=100,
        blank=True,
        help_text=_("The OpenAI model name used for this client (e.g. gpt-4o); empty uses OPENAI_MODEL."),
    )
    setup_code_digest = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False, verbose_name=_("setup code digest")
    )
    setup_code_expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("setup code expires at"))
    notes = models.TextField(_("operator notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        ordering = ["business_name"]
        verbose_name = _("client")
        verbose_name_plural = _("clients")

    def __str__(self) -> str:
        return self.business_name

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Membership(models.Model):
    """A user acting for a client, as its owner or as an agent in the inbox."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        AGENT = "agent", _("Agent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("client"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "client"], name="membership_unique_user_client")]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.client} ({self.role})"


class WhatsAppNumber(models.Model):
    """A client's WhatsApp business number, hosted in the operator's WABA or the client's own."""

    class ConnectionType(models.TextChoices):
        HOSTED = "hosted", _("Hosted in the operator's account")
        EMBEDDED = "embedded", _("Client's own account (Embedded Signup)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CODE_SENT = "code_sent", _("Code sent")
        VERIFIED = "verified", _("Verified")
        ACTIVE = "active", _("Active")
        FAILED = "failed", _("Failed")
        SUSPENDED = "suspended", _("Suspended")
        DISCONNECTED = "disconnected", _("Disconnected")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("client"))
    connection_type = models.CharField(
        _("connection"), max_length=10, choices=ConnectionType.choices, default=ConnectionType.HOSTED
    )
    phone_number = models.CharField(_("phone number (E.164)"), max_length=20, unique=True)
    phone_number_id = models.CharField(_("Meta phone number id"), max_length=64, unique=True, null=True, blank=True)
    waba_id = models.CharField(_("WhatsApp Business Account id"), max_length=64, blank=True)
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    failure_code = models.CharField(
        _("failure code"), max_length=40, blank=True, help_text=_("Machine-readable reason of the last failure.")
    )
    quality_rating = models.CharField(_("quality"), max_length=20, blank=True)
    name_status = models.CharField(_("display name status"), max_length=40, blank=True)
    messaging_limit = models.CharField(_("messaging limit"), max_length=60, blank=True)
    monthly_free_messages = models.PositiveIntegerField(
        _("monthly free messages"),
        null=True,
        blank=True,
        help_text=_("Overrides the client's allowance for this number; empty inherits it."),
    )
    pin = EncryptedTextField(_("two-step verification PIN"), blank=True, editable=False)
    business_token = EncryptedTextField(_("business token"), blank=True, editable=False)
    # Meta's `expires_in` from the code exchange (empty: the token does not expire). Before that day the
    # client reconnects through Embedded Signup; `business_token_warned_at` keeps the warning to once.
    business_token_expires_at = models.DateTimeField(_("business token expires"), null=True, blank=True)
    business_token_warned_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("business token warned at")
    )
    verification_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("verification attempts"))
    code_requested_at = models.DateTimeField(null=True, blank=True, verbose_name=_("code requested at"))
    activated_at = models.DateTimeField(null=True, blank=True, verbose_name=_("activated at"))
    health_checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("health checked at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["client", "phone_number"]
        verbose_name = _("WhatsApp number")
        verbose_name_plural = _("WhatsApp numbers")
        indexes = [models.Index(fields=["client", "status"])]

    def __str__(self) -> str:
        return f"{self.phone_number} ({self.client})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def monthly_allowance(self) -> int:
        """Free messages a month: the number's override, else the client's, else the operator's."""
        for value in (self.monthly_free_messages, self.client.monthly_free_messages):
            if value is not None:
                return value
        return settings.DEFAULT_MONTHLY_FREE_MESSAGES

    @property
    def token_expires_soon(self) -> bool:
        """The client's own token runs out within TOKEN_EXPIRY_WARNING (or has): time to reconnect."""
        expires = self.business_token_expires_at
        return bool(expires and self.connection_type == self.ConnectionType.EMBEDDED) and (
            expires <= timezone.now() + TOKEN_EXPIRY_WARNING
        )

    @property
    def access_token(self) -> str:
        """The token Graph calls for this number use: the client's own for Embedded Signup."""
        if self.connection_type == self.ConnectionType.EMBEDDED and self.business_token:
            return self.business_token
        return settings.WHATSAPP_MASTER_TOKEN


class ApiKey(models.Model):
    """A per-client key for integrators: `Authorization: Api-Key <prefix>.<secret>`.

    Only a SHA-256 digest of the secret is stored; the full key is shown once when created.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class Invitation(models.Model):
    """An owner's invitation for someone to join the client's team by e-mail: a one-time link that expires.

    Only a digest of the link's token is stored (like setup codes): the plain token lives in the e-mail."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=10, choices=Membership.Role.choices, default=Membership.Role.AGENT)
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.client} ({self.role})"

    def is_pending(self, at=None) -> bool:
        return not self.accepted_at and not self.revoked_at and (at or timezone.now()) < self.expires_at


class AccountAlert(models.Model):
    """What Meta says about a WhatsApp Business Account or one of its numbers outside messages: `account_alerts`
    (messaging-limit increase deferred or refused, official badge decisions, profile photo lost) and the
    `account_update` events that need someone to act (restrictions, violations, a disabled account).

    One row per (client, WABA, entity, alert type): a later webhook of the same kind updates it, and Meta's
    `alert_status: NONE` settles it. `client` is empty for the operator's own portfolio (the shared WABA of hosted
    numbers): only the operator sees those. `payload` keeps Meta's whole `value`, unknown fields included.
    """

    class Severity(models.TextChoices):
        CRITICAL = "CRITICAL", _("Critical")
        WARNING = "WARNING", _("Warning")
        INFORMATIONAL = "INFORMATIONAL", _("Information")

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, null=True, blank=True, related_name="account_alerts", verbose_name=_("client")
    )
    number = models.ForeignKey(
        WhatsAppNumber,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_alerts",
        verbose_name=_("number"),
    )
    waba_id = models.CharField(_("WhatsApp Business Account id"), max_length=64)
    entity_type = models.CharField(_("about"), max_length=40, blank=True)
    entity_id = models.CharField(max_length=64, blank=True, verbose_name=_("entity id"))
    alert_type = models.CharField(_("alert"), max_length=80)
    severity = models.CharField(_("severity"), max_length=20, default=Severity.WARNING)
    active = models.BooleanField(_("active"), default=True)
    description = models.TextField(_("Meta's description"), blank=True)
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    received_at = models.DateTimeField(_("received"))
    settled_at = models.DateTimeField(_("settled"), null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "waba_id", "entity_id", "alert_type"],
                condition=models.Q(client__isnull=False),
                name="account_alert_unique_kind",
            ),
            models.UniqueConstraint(  # the operator's own alerts (no client): NULLs are never equal in SQL
                fields=["waba_id", "entity_id", "alert_type"],
                condition=models.Q(client__isnull=True),
                name="account_alert_unique_operator_kind",
            ),
        ]
        indexes = [models.Index(fields=["client", "active"])]
        ordering = ["-received_at"]
        verbose_name = _("Meta account alert")
        verbose_name_plural = _("Meta account alerts")

    def __str__(self) -> str:
        return f"{self.alert_type} ({self.waba_id})"
