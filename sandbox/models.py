"""State of the offline stand-in for Meta: accounts, numbers, messages and injected faults.

These rows play Meta's side only; the product never reads them (it talks HTTP to the sandbox).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def default_token_scopes() -> list[str]:
    """What a system-user token made for this product is granted (Business Settings > System users)."""
    return ["whatsapp_business_management", "whatsapp_business_messaging"]


class SandboxBusinessAccount(models.Model):
    """A WABA in the sandbox: the operator's (master token) or one a client created by Embedded Signup."""

    waba_id = models.CharField(max_length=32, unique=True, verbose_name=_("waba id"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    access_token = models.CharField(
        max_length=200, help_text=_("Bearer token that may act on this account."), verbose_name=_("access token")
    )
    is_operator = models.BooleanField(default=False, verbose_name=_("is operator"))
    business_verified = models.BooleanField(
        default=False,
        help_text=_("Verified portfolios may hold 20 numbers, else 2."),
        verbose_name=_("business verified"),
    )
    subscribed_apps = models.JSONField(default=list, blank=True, verbose_name=_("subscribed apps"))
    business_id = models.CharField(
        max_length=32, blank=True, help_text=_("The business portfolio that owns it."), verbose_name=_("business id")
    )
    token_scopes = models.JSONField(
        default=default_token_scopes,
        blank=True,
        help_text=_("Permissions GET /debug_token reports for its token."),
        verbose_name=_("token scopes"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox business account")
        verbose_name_plural = _("sandbox business accounts")

    def __str__(self) -> str:
        return f"{self.name} ({self.waba_id})"


class SandboxAppSubscription(models.Model):
    """The app's webhook subscription for one object type (App Dashboard > Webhooks, /{app-id}/subscriptions).

    With no row for `whatsapp_business_account`, the operator is taken to have configured the app as
    docs/operations.md says: WEBHOOK_URL with every field the product handles."""

    object = models.CharField(max_length=40, unique=True)
    callback_url = models.CharField(max_length=500)
    fields = models.JSONField(default=list, blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("sandbox app subscription")
        verbose_name_plural = _("sandbox app subscriptions")

    def __str__(self) -> str:
        return f"{self.object} → {self.callback_url}"


class SandboxPhoneNumber(models.Model):
    account = models.ForeignKey(
        SandboxBusinessAccount, on_delete=models.CASCADE, related_name="numbers", verbose_name=_("account")
    )
    phone_number_id = models.CharField(max_length=32, unique=True, verbose_name=_("phone number id"))
    display_phone_number = models.CharField(
        max_length=20,
        unique=True,
        help_text=_("Digits only, as Meta shows them."),
        verbose_name=_("display phone number"),
    )
    verified_name = models.CharField(max_length=200, verbose_name=_("verified name"))
    code_verification_status = models.CharField(
        max_length=20, default="NOT_VERIFIED", verbose_name=_("code verification status")
    )
    otp_code = models.CharField(max_length=6, blank=True, verbose_name=_("otp code"))
    otp_attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("otp attempts"))
    registered = models.BooleanField(default=False, verbose_name=_("registered"))
    pin = models.CharField(max_length=6, blank=True, verbose_name=_("pin"))
    quality_rating = models.CharField(max_length=10, default="GREEN", verbose_name=_("quality rating"))
    name_status = models.CharField(max_length=30, default="APPROVED", verbose_name=_("name status"))
    otp_sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("otp sent at"))
    deregistered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("deregistered at"))
    register_calls = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Unix times of register/deregister calls."),
        verbose_name=_("register calls"),
    )
    webhook_override_url = models.URLField(max_length=200, blank=True, verbose_name=_("webhook override url"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox phone number")
        verbose_name_plural = _("sandbox phone numbers")

    def __str__(self) -> str:
        return f"+{self.display_phone_number} ({self.phone_number_id})"


class SandboxMessage(models.Model):
    """A message that crossed the sandbox: sent by the product (out) or by a customer (in)."""

    class Direction(models.TextChoices):
        OUT = "out", "business → customer"
        IN = "in", "customer → business"

    phone_number_id = models.CharField(max_length=32, db_index=True, verbose_name=_("phone number id"))
    direction = models.CharField(max_length=3, choices=Direction.choices, verbose_name=_("direction"))
    wa_id = models.CharField(
        max_length=32, db_index=True, help_text=_("The customer's WhatsApp id."), verbose_name=_("wa id")
    )
    type = models.CharField(max_length=30, verbose_name=_("type"))
    text = models.TextField(blank=True, verbose_name=_("text"))
    body = models.JSONField(default=dict, verbose_name=_("body"))
    wamid = models.CharField(max_length=128, unique=True, verbose_name=_("wamid"))
    status = models.CharField(max_length=12, default="accepted", verbose_name=_("status"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox message")
        verbose_name_plural = _("sandbox messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.direction} {self.wa_id}: {self.text[:40]}"


class SandboxFaultQuerySet(models.QuerySet):
    def pending(self) -> SandboxFaultQuerySet:
        """Faults that still hit calls: countdowns with calls left, ratio faults not yet expired."""
        countdown = models.Q(fail_ratio__isnull=True, remaining__gt=0)
        share = models.Q(fail_ratio__isnull=False, active_until__gt=timezone.now())
        return self.filter(countdown | share).order_by("created_at", "id")


class SandboxFault(models.Model):
    """The next `remaining` Graph calls (for one number, or any) fail or stall this way; or, with
    `fail_ratio`, that share of the calls until `active_until` (a flaky Meta for a while)."""

    phone_number_id = models.CharField(max_length=32, blank=True, verbose_name=_("phone number id"))
    remaining = models.PositiveIntegerField(default=1, verbose_name=_("remaining"))
    fail_ratio = models.FloatField(
        null=True, blank=True, help_text=_("Share of calls hit while active (0–1]."), verbose_name=_("fail ratio")
    )
    active_until = models.DateTimeField(null=True, blank=True, verbose_name=_("active until"))
    injected = models.PositiveIntegerField(
        default=0, help_text=_("Calls a ratio fault has hit so far."), verbose_name=_("injected")
    )
    error_code = models.IntegerField(null=True, blank=True, verbose_name=_("error code"))
    http_status = models.PositiveSmallIntegerField(default=500, verbose_name=_("http status"))
    delay_ms = models.PositiveIntegerField(default=0, verbose_name=_("delay ms"))
    message = models.CharField(max_length=300, blank=True, verbose_name=_("message"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    objects = SandboxFaultQuerySet.as_manager()

    class Meta:
        verbose_name = _("sandbox fault")
        verbose_name_plural = _("sandbox faults")

    def __str__(self) -> str:
        share = f"{self.fail_ratio:.0%} until {self.active_until:%H:%M:%S}" if self.fail_ratio else f"×{self.remaining}"
        return f"fault {self.error_code or 'delay'} {share} ({self.phone_number_id or 'all numbers'})"


class SandboxConversation(models.Model):
    """One customer ↔ number pair: the 24-hour service window and the typing indicator."""

    phone_number_id = models.CharField(max_length=32, verbose_name=_("phone number id"))
    wa_id = models.CharField(max_length=32, verbose_name=_("wa id"))
    last_inbound_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last inbound at"))
    typing_until = models.DateTimeField(null=True, blank=True, verbose_name=_("typing until"))
    free_entry_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("72 h of free messages after a click-to-WhatsApp ad (free entry point)."),
        verbose_name=_("free entry until"),
    )
    marketing_stopped_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("The customer stopped this business's marketing messages (131050 after)."),
        verbose_name=_("marketing stopped at"),
    )

    class Meta:
        verbose_name = _("sandbox conversation")
        verbose_name_plural = _("sandbox conversations")
        constraints = [models.UniqueConstraint(fields=["phone_number_id", "wa_id"], name="sandbox_conversation_pair")]

    def __str__(self) -> str:
        return f"{self.phone_number_id} ↔ {self.wa_id}"


class SandboxAuthCode(models.Model):
    """The one-time Embedded Signup code, exchanged for the account's token within 30 seconds."""

    code = models.CharField(max_length=128, unique=True, verbose_name=_("code"))
    account = models.ForeignKey(
        SandboxBusinessAccount, on_delete=models.CASCADE, related_name="auth_codes", verbose_name=_("account")
    )
    used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("used at"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox authorization code")
        verbose_name_plural = _("sandbox authorization codes")

    def __str__(self) -> str:
        return f"code for {self.account.waba_id}"


class SandboxMedia(models.Model):
    """An uploaded or customer-sent file; served by id to the owning account's token."""

    media_id = models.CharField(max_length=32, unique=True, verbose_name=_("media id"))
    account = models.ForeignKey(
        SandboxBusinessAccount, on_delete=models.CASCADE, related_name="media", verbose_name=_("account")
    )
    phone_number_id = models.CharField(max_length=32, verbose_name=_("phone number id"))
    mime_type = models.CharField(max_length=100, verbose_name=_("mime type"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    filename = models.CharField(max_length=255, blank=True, verbose_name=_("filename"))
    content = models.BinaryField(verbose_name=_("content"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox media file")
        verbose_name_plural = _("sandbox media files")

    def __str__(self) -> str:
        return f"{self.media_id} ({self.mime_type})"

    @property
    def file_size(self) -> int:
        return len(self.content)


class SandboxTemplate(models.Model):
    """A message template of a WABA, with Meta's review status."""

    account = models.ForeignKey(
        SandboxBusinessAccount, on_delete=models.CASCADE, related_name="templates", verbose_name=_("account")
    )
    template_id = models.CharField(max_length=32, unique=True, verbose_name=_("template id"))
    name = models.CharField(max_length=512, verbose_name=_("name"))
    language = models.CharField(max_length=15, verbose_name=_("language"))
    category = models.CharField(max_length=30, verbose_name=_("category"))
    status = models.CharField(max_length=30, default="PENDING", verbose_name=_("status"))
    rejected_reason = models.CharField(max_length=50, default="NONE", verbose_name=_("rejected reason"))
    components = models.JSONField(default=list, verbose_name=_("components"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("sandbox template")
        verbose_name_plural = _("sandbox templates")
        constraints = [
            models.UniqueConstraint(fields=["account", "name", "language"], name="sandbox_template_name_language")
        ]

    def __str__(self) -> str:
        return f"{self.name} [{self.language}] {self.status}"
