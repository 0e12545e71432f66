"""End customers (Contact), their threads with a number (Conversation), every message in and
out (Message), the requests customers made (CustomerRequest) and every webhook delivery we received
from Meta (WebhookEvent)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from tenants.models import Client, WhatsAppNumber
from tenants.scoping import TenantQuerySet

CUSTOMER_SERVICE_WINDOW = timedelta(hours=24)


class Contact(models.Model):
    """An end customer of a client, known by a phone (`wa_id`), a BSUID (`user_id`), or both.

    Since Meta's 2026 usernames rollout any part may be missing (whatsapp.identity): a customer who
    adopted a username may show only a BSUID and the username. Each of phone and BSUID is unique per
    client when present; lookups use whichever a webhook carries.
    """

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("client"))
    wa_id = models.CharField(_("WhatsApp id"), max_length=32, blank=True)
    user_id = models.CharField(_("business-scoped user id"), max_length=128, blank=True)
    parent_user_id = models.CharField(_("parent business-scoped user id"), max_length=128, blank=True)
    username = models.CharField(_("username"), max_length=64, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=200, blank=True)
    # A `user_changed_number` system message: this identity's messages now come from another contact.
    replaced_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replaces",
        verbose_name=_("now writes as"),
    )
    # A `user_preferences` webhook: the customer stopped marketing messages (Meta refuses them with 131050).
    marketing_opted_out_at = models.DateTimeField(_("stopped marketing messages"), null=True, blank=True)
    # The customer's personal data was erased on request (whatsapp.services.personal_data): the row stays,
    # without identity, because billing's ledger points at its messages.
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "wa_id"], condition=~models.Q(wa_id=""), name="contact_unique_client_wa_id"
            ),
            models.UniqueConstraint(
                fields=["client", "user_id"], condition=~models.Q(user_id=""), name="contact_unique_client_user_id"
            ),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        if self.erased_at:
            return str(_("Erased contact #%(id)s") % {"id": self.pk})
        return self.profile_name or self.handle

    @property
    def phone_number(self) -> str:
        return f"+{self.wa_id}" if self.wa_id else ""

    @property
    def handle(self) -> str:
        """How people recognise the customer besides the name: phone, else @username, else the BSUID."""
        return self.phone_number or (f"@{self.username}" if self.username else self.user_id)

    @property
    def address(self) -> str:
        """What a send goes to: the phone when known (`to`), else the BSUID (`recipient`)."""
        return self.phone_number or self.user_id


class NextStep(models.TextChoices):
    """Why a send failed for good, named for what a person does next (the inbox says it in words)."""

    SEND_TEMPLATE = "send_template", _("The 24-hour window closed: send an approved template")
    UNREACHABLE = "unreachable", _("WhatsApp could not deliver to this customer: reach them another way")
    MARKETING_LIMIT = "marketing_limit", _("Meta limits marketing messages to this customer: try again in a day")
    MARKETING_OPTED_OUT = "marketing_opted_out", _("The customer stopped marketing messages: send none")
    CHANGED_NUMBER = "changed_number", _("The customer changed number: continue in their new conversation")


class Conversation(models.Model):
    """The single thread between one contact and one of the client's numbers."""

    class Owner(models.TextChoices):
        AI = "ai", _("AI")
        HUMAN = "human", _("Human")

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("client"))
    number = models.ForeignKey(
        WhatsAppNumber, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("number")
    )
    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="conversations", verbose_name=_("contact")
    )
    owner = models.CharField(_("answered by"), max_length=10, choices=Owner.choices, default=Owner.AI)
    needs_attention = models.BooleanField(_("needs a person"), default=False)
    handoff_reason = models.CharField(_("handoff reason"), max_length=200, blank=True)
    last_inbound_at = models.DateTimeField(_("last customer message"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message"), null=True, blank=True)
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    # What a person should do after Meta refused to deliver (window closed, undeliverable, opted out…).
    next_step = models.CharField(_("next step"), max_length=30, choices=NextStep.choices, blank=True)
    next_step_at = models.DateTimeField(null=True, blank=True, verbose_name=_("next step at"))
    # The day the customer was last told we cannot read a kind of message (at most once a day).
    unsupported_acknowledged_on = models.DateField(null=True, blank=True, verbose_name=_("unsupported acknowledged on"))
    # The offline assistant's guided exchange while it takes a request down (ai.intake's state; None: none).
    request_draft = models.JSONField(null=True, blank=True, verbose_name=_("request draft"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["number", "contact"], name="conversation_unique_number_contact")]
        indexes = [models.Index(fields=["client", "-last_message_at"])]
        ordering = ["-last_message_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return f"{self.contact} ↔ {self.number.phone_number}"

    @property
    def pending_next_step(self) -> str:
        """The next step people should take, unless the customer wrote again since (the label, or "")."""
        if not self.next_step or (
            self.last_inbound_at and self.next_step_at and self.next_step_at < self.last_inbound_at
        ):
            return ""
        return self.get_next_step_display()

    def window_closes_at(self):
        """When the 24-hour customer service window closes (None: the customer never wrote)."""
        return self.last_inbound_at + CUSTOMER_SERVICE_WINDOW if self.last_inbound_at else None

    def window_open(self, at=None) -> bool:
        """Free-form messages are allowed only within 24 h of the customer's last message."""
        if self.last_inbound_at is None:
            return False
        return (at or timezone.now()) < self.last_inbound_at + CUSTOMER_SERVICE_WINDOW


class ConversationRead(models.Model):
    """When one person of the client's team last had a thread open: later customer messages are "unread" for
    that person in the inbox. One mark per person and conversation, so an agent who read a thread does not
    hide it from a colleague who has not; no mark yet means every customer message is unread for them."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="read_marks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(_("read"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["conversation", "user"], name="conversation_read_unique_user")]
        verbose_name = _("read mark")
        verbose_name_plural = _("read marks")

    def __str__(self) -> str:
        return f"{self.user} · {self.conversation_id} · {self.read_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    class Direction(models.TextChoices):
        INBOUND = "in", _("Inbound")
        OUTBOUND = "out", _("Outbound")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        READ = "read", _("Read")
        FAILED = "failed", _("Failed")

    class SentBy(models.TextChoices):
        AI = "ai", _("AI")
        AGENT = "agent", _("Agent")
        SYSTEM = "system", _("System")

    # Outbound statuses only move forward; `failed` may replace any of them.
    STATUS_RANK = {"pending": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False, verbose_name=_("uuid"))
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="messages", verbose_name=_("client"))
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages", verbose_name=_("conversation")
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, verbose_name=_("direction"))
    kind = models.CharField(_("type"), max_length=30, default="text")
    text = models.TextField(blank=True, verbose_name=_("text"))
    payload = models.JSONField(_("raw payload"), default=dict, blank=True)
    wamid = models.CharField(max_length=255, unique=True, null=True, blank=True, verbose_name=_("wamid"))
    status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("status"))
    error_code = models.CharField(max_length=20, blank=True, verbose_name=_("error code"))
    error_title = models.CharField(max_length=255, blank=True, verbose_name=_("error title"))
    error_details = models.TextField(blank=True, verbose_name=_("error details"))
    sent_by = models.CharField(max_length=10, choices=SentBy.choices, blank=True, verbose_name=_("sent by"))
    sent_by_user = models.ForeignKey(
        "auth.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("sent by user")
    )
    reply_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        help_text="For AI replies: the latest inbound message this reply answers.",
        verbose_name=_("reply to"),
    )
    pricing_category = models.CharField(max_length=40, blank=True, verbose_name=_("pricing category"))
    pricing_type = models.CharField(max_length=40, blank=True, verbose_name=_("pricing type"))
    billable = models.BooleanField(null=True, blank=True, verbose_name=_("billable"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    # When a deferred send (pacing, a transient error's backoff) is due; the sweep re-queues it once this
    # is well past and it is still pending (its scheduled task was lost with the broker).
    next_attempt_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("next attempt at"))
    usage_counted = models.BooleanField(default=False, editable=False, verbose_name=_("usage counted"))
    created_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))
    failed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("failed at"))
    # The customer changed (`edit`) or deleted (`revoke`) an inbound message after sending it.
    edited_at = models.DateTimeField(_("edited"), null=True, blank=True)
    deleted_at = models.DateTimeField(_("deleted by the customer"), null=True, blank=True)
    edits = models.JSONField(_("earlier versions"), default=list, blank=True)
    # An inbound photo, voice note, video, document or sticker, downloaded from Meta (whatsapp.services.media)
    # into Django's default storage; served only to the client's own people (portal:message-media).
    media_file = models.FileField(_("media file"), upload_to="whatsapp-media/", max_length=255, blank=True)
    media_mime = models.CharField(_("media type"), max_length=100, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            # One AI reply per inbound message, whatever the number of task runs.
            models.UniqueConstraint(
                fields=["reply_to"], condition=models.Q(sent_by="ai"), name="message_one_ai_reply_per_inbound"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["client", "direction", "created_at"]),
        ]
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.kind}: {self.text[:40]}"

    @property
    def is_template(self) -> bool:
        return self.kind == "template"


class WebhookEvent(models.Model):
    """One POST from Meta, kept raw before anything else happens (Meta never replays)."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        PARTIAL = "partial", _("Partly processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    body = models.TextField(_("raw body"))
    payload = models.JSONField(null=True, blank=True, verbose_name=_("payload"))
    received_at = models.DateTimeField(default=timezone.now, db_index=True, verbose_name=_("received at"))
    processed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("processed at"))
    outcome = models.CharField(
        max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED, verbose_name=_("outcome")
    )
    detail = models.TextField(blank=True, verbose_name=_("detail"))
    phone_number_ids = models.JSONField(default=list, blank=True, verbose_name=_("phone number ids"))
    fields = models.JSONField(default=list, blank=True, verbose_name=_("fields"))
    # Customers' words and identities were taken out of the raw body (erasure or a client's retention).
    redacted_at = models.DateTimeField(_("redacted"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # Workers and the sweep look only for deliveries not applied yet.
            models.Index(fields=["received_at"], condition=models.Q(outcome="received"), name="webhook_event_pending"),
        ]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return f"#{self.pk} {self.received_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


# Meta's words for a template, as stored (category in lower case, status and quality in upper case), in the
# reader's language: the portal and the back office show these, the rows and the API keep Meta's.
TEMPLATE_CATEGORY_LABELS = {
    "marketing": pgettext_lazy("template category", "Marketing"),
    "utility": pgettext_lazy("template category", "Utility"),
    "authentication": pgettext_lazy("template category", "Authentication"),
}
TEMPLATE_STATUS_LABELS = {
    "APPROVED": pgettext_lazy("template status", "Approved"),
    "PENDING": pgettext_lazy("template status", "In review"),
    "IN_APPEAL": pgettext_lazy("template status", "In appeal"),
    "REJECTED": pgettext_lazy("template status", "Rejected"),
    "PAUSED": pgettext_lazy("template status", "Paused"),
    "DISABLED": pgettext_lazy("template status", "Disabled"),
    "FLAGGED": pgettext_lazy("template status", "Flagged"),
    "PENDING_DELETION": pgettext_lazy("template status", "Being deleted"),
}
# Meta rates numbers and templates with the same words: one set of labels for both (the portal's numbers page too).
QUALITY_LABELS = {
    "GREEN": pgettext_lazy("quality rating", "High"),
    "YELLOW": pgettext_lazy("quality rating", "Medium"),
    "RED": pgettext_lazy("quality rating", "Low"),
    "UNKNOWN": pgettext_lazy("quality rating", "Not rated yet"),
}


class MessageTemplate(models.Model):
    """A message template of a WhatsApp Business Account, as Meta last told us (sync or webhook).

    Pages and the API read these rows: no Graph call inside a request. Kept per WABA (`waba_id`), which is
    how Meta names them; a number's templates are its WABA's.
    """

    waba_id = models.CharField(_("WhatsApp Business Account id"), max_length=64)
    # In the operator's shared WABA (hosted numbers) each template belongs to one client, set by the operator
    # in the back office; hosted clients see and send only their own. A client's own WABA needs no owner.
    client = models.ForeignKey(
        Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("client")
    )
    template_id = models.CharField(_("Meta template id"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=512)
    language = models.CharField(_("language"), max_length=15)
    category = models.CharField(_("category"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=30, blank=True)
    quality_score = models.CharField(_("quality"), max_length=20, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    components = models.JSONField(default=list, blank=True, verbose_name=_("components"))
    synced_at = models.DateTimeField(null=True, blank=True, verbose_name=_("synced at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["waba_id", "name", "language"], name="template_unique_waba_name_language")
        ]
        ordering = ["waba_id", "name", "language"]
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")

    def __str__(self) -> str:
        return f"{self.name} [{self.language}] {self.status}"

    @property
    def category_label(self) -> str:
        return str(TEMPLATE_CATEGORY_LABELS.get(self.category.lower(), self.category or "—"))

    @property
    def status_label(self) -> str:
        return str(TEMPLATE_STATUS_LABELS.get(self.status.upper(), self.status or "—"))

    @property
    def quality_label(self) -> str:
        return str(QUALITY_LABELS.get((self.quality_score or "UNKNOWN").upper(), self.quality_score))

    @property
    def body_text(self) -> str:
        for component in self.components if isinstance(self.components, list) else []:
            if isinstance(component, dict) and str(component.get("type") or "").upper() == "BODY":
                return str(component.get("text") or "")
        return ""


class CustomerRequest(models.Model):
    """A booking, order or call back a customer asked for in a conversation, with the details the persona asks
    for: a CRM record people work through (new → confirmed → done, or cancelled)."""

    class Kind(models.TextChoices):
        BOOKING = "booking", _("Booking")
        ORDER = "order", _("Order")
        CALLBACK = "callback", _("Call back")

    class Status(models.TextChoices):
        NEW = "new", _("New")
        CONFIRMED = "confirmed", _("Confirmed")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    client = models.ForeignKey(
        Client, on_delete=models.CASCADE, related_name="customer_requests", verbose_name=_("client")
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="requests", verbose_name=_("contact"))
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="requests", verbose_name=_("conversation")
    )
    # The customer's message that confirmed it: at most one request per message, so a retried reply task
    # never records a second one.
    source_message = models.OneToOneField(
        Message,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer_request",
        verbose_name=_("source message"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BOOKING)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.NEW)
    # [{"field": "dia_y_hora", "label": "Día y hora", "value": "viernes 3 pm"}, …] in the persona's order.
    details = models.JSONField(_("details"), default=list)
    provider = models.CharField(_("taken down by"), max_length=20, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["client", "status", "-created_at"])]
        verbose_name = _("request")
        verbose_name_plural = _("requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_status_display()})"

    def detail_value(self, key: str) -> str:
        return next((d.get("value", "") for d in self.details if d.get("field") == key), "")
