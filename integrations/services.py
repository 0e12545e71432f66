"""Outgoing webhooks: the only writer of endpoints, deliveries and attempts.

Endpoint changes are audited like other settings (never the secret). Events become one delivery per
subscribed endpoint in `events_emit` (a worker task: the pipeline's observers only enqueue it); each
delivery is tried by `delivery_attempt`, claimed by an atomic UPDATE so two runs never send it twice.
Retries back off exponentially with jitter for up to OUTGOING_WEBHOOK_RETRY_FOR_SECONDS; a 4xx other
than 408/429 stops them; an endpoint failing for that whole window is disabled and its owners e-mailed.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.services import audit_record, snapshot
from core import logcontext, metrics
from core.exceptions import ApplicationError
from core.mail import header_text
from core.queue import enqueue, enqueue_on_commit
from integrations import payloads, subscriptions, transport
from integrations.events import EVENTS
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.signing import SIGNATURE_HEADER, new_secret, signature_header
from integrations.urlsafety import UnsafeUrl, check_url
from tenants.models import Client
from tenants.selectors import owner_emails

logger = logging.getLogger(__name__)

AUDITED_FIELDS = ("url", "description", "events", "is_enabled")
MAX_ENDPOINTS_PER_CLIENT = 20
USER_AGENT = "CRM-Master-Webhooks/1.0"
PERSISTENT_FAILURE = "persistent_failure"  # `disabled_reason` when deliveries kept failing for the retry window
# A retry due within this many seconds rides a Celery countdown; a later one waits for the beat sweep
# (a long countdown outlives the broker's visibility timeout and would be redelivered anyway).
COUNTDOWN_LIMIT_SECONDS = 900

Status = WebhookDelivery.Status
Outcome = WebhookAttempt.Outcome


# --- endpoints ----------------------------------------------------------------------------------------
def _clean_events(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not value:
        raise ApplicationError("Choose at least one event.", code="invalid_events", details={"allowed": sorted(EVENTS)})
    unknown = sorted({str(e) for e in value} - EVENTS)
    if unknown:
        raise ApplicationError(
            f"Unknown events: {', '.join(unknown)}.", code="invalid_events", details={"allowed": sorted(EVENTS)}
        )
    return sorted({str(e) for e in value})


def _checked_url(url: str) -> str:
    url = (url or "").strip()
    try:
        check_url(url)
    except UnsafeUrl as refusal:
        raise ApplicationError(refusal.message, code=refusal.code, details={"url": url}) from refusal
    return url


def endpoint_create(
    *, client: Client, url: str, events: list[str], description: str = "", is_enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret: the only time the secret is given out in full."""
    events = _clean_events(events)
    url = _checked_url(url)
    if WebhookEndpoint.objects.for_client(client).count() >= MAX_ENDPOINTS_PER_CLIENT:
        raise ApplicationError(
            f"A business can have at most {MAX_ENDPOINTS_PER_CLIENT} webhook endpoints.", code="too_many_endpoints"
        )
    secret = new_secret()
    endpoint = WebhookEndpoint.objects.create(
        client=client,
        url=url,
        events=events,
        description=description.strip()[:200],
        is_enabled=is_enabled,
        secret=secret,
    )
    audit_record(action="webhook.created", client=client, obj=endpoint, after=snapshot(endpoint, AUDITED_FIELDS))
    subscriptions.forget(client.pk)
    return endpoint, secret


def endpoint_update(*, endpoint: WebhookEndpoint, data: dict[str, Any]) -> WebhookEndpoint:
    """Change the fields given (url, description, events, is_enabled); enabling again starts afresh."""
    before = snapshot(endpoint, AUDITED_FIELDS)
    if "url" in data:
        endpoint.url = _checked_url(data["url"])
    if "events" in data:
        endpoint.events = _clean_events(data["events"])
    if "description" in data:
        endpoint.description = str(data["description"] or "").strip()[:200]
    if "is_enabled" in data:
        enable = bool(data["is_enabled"])
        if enable and not endpoint.is_enabled:
            endpoint.disabled_reason, endpoint.disabled_at, endpoint.failing_since = "", None, None
        endpoint.is_enabled = enable
    endpoint.save()
    audit_record(
        action="webhook.changed",
        client=endpoint.client_id,
        obj=endpoint,
        before=before,
        after=snapshot(endpoint, AUDITED_FIELDS),
    )
    subscriptions.forget(endpoint.client_id)
    return endpoint


def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new secret takes effect for every attempt from now on; the old one stops verifying at once."""
    secret = new_secret()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(secret=secret, updated_at=timezone.now())
    endpoint.secret = secret
    audit_record(action="webhook.secret_rotated", client=endpoint.client_id, obj=endpoint)
    return secret


def endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    audit_record(
        action="webhook.deleted", client=endpoint.client_id, obj=endpoint, before=snapshot(endpoint, AUDITED_FIELDS)
    )
    client_id = endpoint.client_id
    endpoint.delete()
    subscriptions.forget(client_id)


def endpoint_disable(*, endpoint_id: int, reason: str) -> bool:
    """Switch an endpoint off for persistent failure and tell its owners; False if it was off already."""
    changed = WebhookEndpoint.objects.filter(pk=endpoint_id, is_enabled=True).update(
        is_enabled=False, disabled_reason=reason[:200], disabled_at=timezone.now()
    )
    if not changed:
        return False
    endpoint = WebhookEndpoint.objects.get(pk=endpoint_id)
    audit_record(
        action="webhook.disabled",
        client=endpoint.client_id,
        obj=endpoint,
        before={"is_enabled": True},
        after={"is_enabled": False, "reason": reason[:200]},
        actor=None,
    )
    subscriptions.forget(endpoint.client_id)
    enqueue_on_commit("integrations.notify_endpoint_disabled", endpoint_id)
    return True


def webhooks_url() -> str:
    try:
        path = reverse("portal:webhooks")
    except NoReverseMatch:
        path = "/"
    return f"{settings.PUBLIC_BASE_URL}{path}"


def retry_window_text() -> str:
    """How long deliveries are retried, in words ("24 hours", "2 minutes"), in the active language."""
    seconds = settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS
    if seconds >= 3600:
        hours = round(seconds / 3600)
        return ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours}
    minutes = max(round(seconds / 60), 1)
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def notify_endpoint_disabled(*, endpoint_id: int) -> bool:
    """E-mail the client's owners that an endpoint was switched off (failures are logged only)."""
    endpoint = WebhookEndpoint.objects.select_related("client").filter(pk=endpoint_id, is_enabled=False).first()
    if endpoint is None:
        return False
    recipients = owner_emails(client=endpoint.client)
    if not recipients:
        return False
    with translation.override(settings.LANGUAGE_CODE):
        subject = header_text(
            _("%(business)s: a webhook endpoint was disabled") % {"business": endpoint.client.business_name}
        )
        body = _(
            "We stopped sending events to %(url)s: every delivery failed for %(duration)s.\n\n"
            "Fix the receiver, then enable the endpoint again and redeliver what it missed: %(page)s\n"
        ) % {
            "url": endpoint.url,
            "duration": retry_window_text(),
            "page": webhooks_url(),
        }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except (OSError, ValueError) as error:
        logger.warning("webhook-disabled email for endpoint %s failed: %s", endpoint_id, error)
        return False
    return True


# --- events → deliveries ------------------------------------------------------------------------------
def _body(event_id: uuid.UUID, event: str, client_id: int, at: str, data: dict[str, Any]) -> str:
    envelope = {"id": str(event_id), "type": event, "created_at": at, "client_id": client_id, "data": data}
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"), default=str)


def events_emit(items: list[list[Any]]) -> list[int]:
    """Turn `[client_id, event, ref]` items into deliveries for each enabled, subscribed endpoint.

    `ref` names what happened by id (and its time in `at`); the body is built here, in the worker.
    """
    created: list[int] = []
    enabled: dict[int, list[WebhookEndpoint]] = {}  # a statuses batch names the same client many times
    for client_id, event, ref in items:
        if int(client_id) not in enabled:
            enabled[int(client_id)] = list(WebhookEndpoint.objects.for_client(int(client_id)).filter(is_enabled=True))
        endpoints = [endpoint for endpoint in enabled[int(client_id)] if event in (endpoint.events or [])]
        if not endpoints:
            continue
        data = payloads.build(int(client_id), event, ref)
        if data is None:
            continue
        event_id = uuid.uuid4()
        body = _body(event_id, event, int(client_id), ref.get("at") or timezone.now().isoformat(), data)
        with transaction.atomic():
            for endpoint in endpoints:
                delivery = WebhookDelivery.objects.create(
                    client_id=endpoint.client_id, endpoint=endpoint, event_id=event_id, event_type=event, body=body
                )
                created.append(delivery.pk)
                enqueue_on_commit("integrations.deliver_webhook", delivery.pk)
    return created


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send the same event (same id and body, newly signed) again, as a new delivery of the same endpoint."""
    if not WebhookEndpoint.objects.filter(pk=delivery.endpoint_id, is_enabled=True).exists():
        raise ApplicationError("Enable the endpoint before redelivering to it.", code="endpoint_disabled", status=409)
    again = WebhookDelivery.objects.create(
        client_id=delivery.client_id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        body=delivery.body,
        redelivery_of=delivery,
    )
    audit_record(
        action="webhook.redelivered",
        client=delivery.client_id,
        obj=again,
        object_repr=f"{delivery.event_type} {delivery.event_id}",
    )
    enqueue_on_commit("integrations.deliver_webhook", again.pk)
    return again


# --- one attempt ----------------------------------------------------------------------------------------
def retry_delay(attempt: int, *, retry_after: int | None = None, rng: random.Random | None = None) -> float:
    """Seconds before the retry that follows attempt number `attempt` (1-based): exponential, capped,
    with "equal jitter" (half fixed, half random) so many receivers coming back do not get a stampede."""
    base = settings.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS
    cap = settings.OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS
    ceiling = min(cap, base * 2 ** (attempt - 1))
    delay = ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), cap))
    return delay


def _retryable(status: int | None) -> bool:
    """No answer, a redirect (never followed), 408, 429 and 5xx are retried; any other 4xx is final."""
    if status is None:
        return True
    return not (400 <= status < 500) or status in (408, 429)


def _retry_after(header: str | None) -> int | None:
    try:
        return max(int(header), 0) if header else None
    except ValueError:
        return None


def _claim(delivery_id: int, now: datetime) -> bool:
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return bool(
        WebhookDelivery.objects.filter(due, pk=delivery_id, status__in=[Status.PENDING, Status.RETRYING]).update(
            status=Status.DELIVERING, claimed_at=now
        )
    )


def delivery_attempt(delivery_id: int, *, now: datetime | None = None) -> WebhookDelivery | None:
    """Try a due delivery once and record the attempt; None if it is not due or another run has it."""
    now = now or timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    with logcontext.bind(client_id=delivery.client_id):
        return _attempt(delivery, now)


def _attempt(delivery: WebhookDelivery, now: datetime) -> WebhookDelivery:
    endpoint = delivery.endpoint
    if not endpoint.is_enabled:
        _finish(delivery, status=Status.FAILED, now=now, error="The endpoint is disabled.")
        return delivery
    number = delivery.attempts + 1
    body = delivery.body.encode()
    try:
        target = check_url(endpoint.url)
    except UnsafeUrl as refusal:
        # A name that now resolves to an internal address is refused before any connection is made.
        retry = refusal.code == "unresolvable_host"
        return _record(
            delivery,
            number,
            now,
            status=None,
            latency=0,
            error=refusal.message,
            retry=retry,
            outcome=Outcome.RETRY if retry else Outcome.REFUSED,
        )
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(endpoint.secret, body),
        "X-CRM-Event": delivery.event_type,
        "X-CRM-Event-Id": str(delivery.event_id),
        "X-CRM-Delivery": str(delivery.pk),
        "X-CRM-Attempt": str(number),
    }
    answer = transport.post(target, body, headers, timeout=settings.OUTGOING_WEBHOOK_TIMEOUT_SECONDS)
    if answer.status is not None and 200 <= answer.status < 300:
        return _record(
            delivery,
            number,
            now,
            status=answer.status,
            latency=answer.latency_ms,
            excerpt=answer.excerpt,
            outcome=Outcome.SUCCEEDED,
        )
    retry = _retryable(answer.status)
    error = answer.error or f"HTTP {answer.status}"
    return _record(
        delivery,
        number,
        now,
        status=answer.status,
        latency=answer.latency_ms,
        excerpt=answer.excerpt,
        error=error,
        retry=retry,
        outcome=Outcome.RETRY if retry else Outcome.GAVE_UP,
        retry_after=_retry_after(answer.retry_after) if answer.status == 429 else None,
    )


def _record(
    delivery: WebhookDelivery,
    number: int,
    now: datetime,
    *,
    status: int | None,
    latency: int,
    outcome: str,
    excerpt: str = "",
    error: str = "",
    retry: bool = False,
    retry_after: int | None = None,
) -> WebhookDelivery:
    """Write the attempt row and move the delivery (and the endpoint's health) on, in one transaction."""
    metrics.OUTGOING_WEBHOOK_ATTEMPTS.inc(event=delivery.event_type, outcome=outcome)
    if status is not None:
        metrics.OUTGOING_WEBHOOK_SECONDS.observe(latency / 1000)
    with transaction.atomic():
        delivery.attempts = number
        delivery.last_response_code = status
        delivery.last_latency_ms = latency
        delivery.last_error = error[:300]
        next_at = None
        exhausted = False
        if outcome == Outcome.SUCCEEDED:
            new_status = Status.SUCCEEDED
        elif retry:
            delay = retry_delay(number, retry_after=retry_after)
            window_ends = delivery.created_at + timedelta(seconds=settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS)
            if now + timedelta(seconds=delay) <= window_ends:
                new_status, next_at = Status.RETRYING, now + timedelta(seconds=delay)
            else:
                new_status, outcome, exhausted = Status.FAILED, Outcome.GAVE_UP, True
        else:
            new_status = Status.FAILED
        WebhookAttempt.objects.create(
            client_id=delivery.client_id,
            delivery=delivery,
            number=number,
            started_at=now,
            response_code=status,
            latency_ms=latency,
            outcome=outcome,
            error=error[:300],
            response_excerpt=excerpt[:500],
        )
        if new_status == Status.RETRYING:
            delivery.status, delivery.next_attempt_at = new_status, next_at
            delivery.save(
                update_fields=[
                    "attempts",
                    "last_response_code",
                    "last_latency_ms",
                    "last_error",
                    "status",
                    "next_attempt_at",
                ]
            )
            if (next_at - now).total_seconds() <= COUNTDOWN_LIMIT_SECONDS:
                enqueue_on_commit(
                    "integrations.deliver_webhook", delivery.pk, countdown=(next_at - now).total_seconds()
                )
        else:
            _finish(delivery, status=new_status, now=now, error=error)
        _endpoint_health(delivery, succeeded=outcome == Outcome.SUCCEEDED, exhausted=exhausted, now=now)
    return delivery


def _finish(delivery: WebhookDelivery, *, status: str, now: datetime, error: str = "") -> None:
    delivery.status, delivery.completed_at, delivery.next_attempt_at = status, now, None
    if error:
        delivery.last_error = error[:300]
    delivery.save(
        update_fields=[
            "attempts",
            "last_response_code",
            "last_latency_ms",
            "last_error",
            "status",
            "completed_at",
            "next_attempt_at",
        ]
    )


def _endpoint_health(delivery: WebhookDelivery, *, succeeded: bool, exhausted: bool, now: datetime) -> None:
    """A success clears the endpoint's failing streak. Persistent failure disables it: a delivery retried for
    the whole window with no success of any delivery since its first try, or failures for a window's length."""
    endpoints = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id)
    if succeeded:
        endpoints.filter(failing_since__isnull=False).update(failing_since=None)
        return
    endpoints.filter(failing_since__isnull=True).update(failing_since=now)
    window = timedelta(seconds=settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS)
    failing = Q(failing_since__lte=now - window)
    if exhausted:
        first_try = delivery.attempt_rows.order_by("number").values_list("started_at", flat=True).first() or now
        failing |= Q(failing_since__lte=first_try)
    if endpoints.filter(failing, is_enabled=True).exists():
        endpoint_disable(endpoint_id=delivery.endpoint_id, reason=PERSISTENT_FAILURE)


def deliveries_sweep(*, now: datetime | None = None, stale_after: timedelta = timedelta(minutes=10)) -> int:
    """Beat: queue every delivery whose attempt is due (long retries wait for this), and free claims whose
    worker died mid-attempt (they are tried again: a receiver must accept a repeated event id)."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(status=Status.DELIVERING, claimed_at__lt=now - stale_after).update(
        status=Status.RETRYING, next_attempt_at=now
    )
    due = WebhookDelivery.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), status__in=[Status.PENDING, Status.RETRYING]
    )
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:1000])
    for delivery_id in ids:
        enqueue("integrations.deliver_webhook", delivery_id)
    return len(ids)


def deliveries_purge(*, now: datetime | None = None) -> int:
    """Delete finished deliveries (and their attempts) older than OUTGOING_WEBHOOK_KEEP_DAYS (0 keeps them)."""
    days = settings.OUTGOING_WEBHOOK_KEEP_DAYS
    if days <= 0:
        return 0
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = WebhookDelivery.objects.filter(created_at__lt=cutoff, status__in=[Status.SUCCEEDED, Status.FAILED])
    # Redeliveries point at their original: detach them first so the delete never cascades to a newer row.
    WebhookDelivery.objects.filter(redelivery_of__in=old).update(redelivery_of=None)
    deleted, _per_model = old.delete()
    return deleted


# --- personal data (privacy.services) -----------------------------------------------------------------------
_REDACTED = '"data":{"redacted":true}'


def _redacted_body(body: str) -> str:
    """The envelope without its `data`: the integrator still sees that the event happened, and when."""
    try:
        envelope = json.loads(body)
    except ValueError:
        envelope = {}
    kept = {
        k: envelope[k]
        for k in ("id", "type", "created_at", "client_id")
        if isinstance(envelope, dict) and k in envelope
    }
    return json.dumps({**kept, "data": {"redacted": True}}, ensure_ascii=False, separators=(",", ":"))


def _redact(deliveries) -> int:
    count = 0
    for delivery in deliveries.only("pk", "body").iterator():
        WebhookDelivery.objects.filter(pk=delivery.pk).update(body=_redacted_body(delivery.body))
        # A receiver may echo what it was sent: its answer is as personal as the body.
        WebhookAttempt.objects.filter(delivery_id=delivery.pk).update(response_excerpt="")
        count += 1
    return count


def deliveries_redact_contact(*, client: Client, contact_id: int, identifiers: list[str]) -> int:
    """Remove one customer's data from the client's deliveries that carry it (an erasure); returns how many."""
    about = Q(body__contains=f'"contact":{{"id":{int(contact_id)},')
    for identifier in identifiers:
        if identifier:
            about |= Q(body__contains=f'"{identifier}"')
    return _redact(WebhookDelivery.objects.for_client(client).filter(about).exclude(body__contains=_REDACTED))


def deliveries_expire(*, client: Client, older_than: datetime) -> int:
    """Redact the client's deliveries created before `older_than` (its message retention); returns how many."""
    old = WebhookDelivery.objects.for_client(client).filter(created_at__lt=older_than)
    return _redact(old.exclude(body__contains=_REDACTED))
