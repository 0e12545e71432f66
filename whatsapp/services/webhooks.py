"""Webhook deliveries: kept in one write while Meta waits, applied by the workers in batches.

`webhook_delivery_accept` is all the request does: one INSERT, then it wakes the workers. Waking is
coalesced: a flag in the cache (Redis in production) says an apply task is queued or running, so under load
one task carries a whole batch instead of one task per delivery. The task clears the flag *after* its batch
and then looks for deliveries still pending, so a delivery stored after the clear wakes a new task, and one
stored before it is found. A web process that found the flag set does not ask Redis again for one window
(`WEBHOOK_APPLY_WINDOW_SECONDS`); a task that cleared the flag and found nothing pending looks once more two
windows later, which finds whatever those skipped wake-ups stored. `webhook_events_apply` claims pending
deliveries and walks each one: every entry, change, message and status, routed by number. A delivery whose
wake-up was lost is applied by the beat sweep.
"""

from __future__ import annotations

import logging
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from billing.services import record_inbound_usage
from core.compiled import CompiledSelect
from core.jsonbody import JsonBodyError, json_loads_limited
from core.queue import enqueue, published_together, runs_at_once
from core.sql import insert_returning_id, update_rows
from tenants.models import WhatsAppNumber
from whatsapp.identity import contacts_by_key, identity_from_inbound, sender_key
from whatsapp.models import Message, WebhookEvent
from whatsapp.payloads import as_object, as_objects
from whatsapp.services.account_events import FIELD_HANDLERS
from whatsapp.services.inbound import _timestamp, record_inbound_message
from whatsapp.services.inbound_batch import ConversationRace, FreshInbound, batchable, store_fresh_inbound
from whatsapp.services.statuses import StatusItem, apply_status_batch, apply_status_update

logger = logging.getLogger(__name__)

# Handlers for non-message fields (account_update, phone_number_quality_update, ...) live in
# whatsapp.services.account_events. Unhandled fields are stored and logged.


class MalformedPayload(ValueError):
    pass


def _storable(value: Any) -> Any:
    """The value with every string made storable: PostgreSQL's text and jsonb refuse NUL characters, and
    UTF-8 has no lone surrogates (both valid in JSON escapes). Found by tests/security/test_webhook_fuzz.py:
    a delivery carrying either was a 500, which Meta retries for days. Depth is bounded by the JSON limit."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd").encode("utf-8", errors="replace").decode("utf-8")
    if isinstance(value, dict):
        return {_storable(key): _storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_storable(item) for item in value]
    return value


# A JSON escape that decodes to what PostgreSQL cannot store: NUL, or half of a surrogate pair.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


def store_webhook_event(body: bytes) -> WebhookEvent:
    """Keep the raw delivery first; raises MalformedPayload (after storing it) for bad JSON."""
    text = _storable(body.decode("utf-8", errors="replace"))
    try:
        # Depth-limited like every JSON body (core/jsonbody.py): Meta's deliveries nest about eight levels, and
        # a signed body nested deeper is refused whole rather than applied.
        payload = json_loads_limited(text)
    except JsonBodyError:
        payload = None
    as_received = not _UNSTORABLE_ESCAPE.search(text)
    if not as_received:  # only an escape can put one in the payload: the text has none left
        payload = _storable(payload)
    if not isinstance(payload, dict):
        failed = WebhookEvent(
            body=text, outcome=WebhookEvent.Outcome.FAILED, detail="malformed JSON", processed_at=timezone.now()
        )
        insert_returning_id(failed)
        raise MalformedPayload("body is not a JSON object")
    changes = [c for e in as_objects(payload.get("entry")) for c in as_objects(e.get("changes"))]
    event = WebhookEvent(
        body=text,
        payload=payload,
        fields=sorted({str(c.get("field")) for c in changes}),
        phone_number_ids=sorted(
            {
                str(pnid)
                for c in changes
                if (pnid := as_object(as_object(c.get("value")).get("metadata")).get("phone_number_id"))
            }
        ),
    )
    # The text is the payload's JSON as Meta sent it: the database reads the jsonb from it, rather than Python
    # writing the parsed payload out again (a tenth of the request). A str goes to PostgreSQL untyped, so the
    # column's type decides; NaN and Infinity never get here (json_loads_limited refuses them).
    return insert_returning_id(event, given={"payload": text} if as_received else None)  # the request's one statement


APPLY_BATCH = 100
APPLY_ARMED_KEY = "whatsapp:apply-armed"
APPLY_ARMED_SECONDS = 5  # a task lost after arming delays deliveries this long, not forever


def webhook_delivery_accept(body: bytes) -> WebhookEvent:
    """Store a signed delivery and wake the workers: the only work done while Meta waits.

    Raises MalformedPayload (after storing it) for a body that is not a JSON object.
    """
    event = store_webhook_event(body)
    transaction.on_commit(workers_wake)  # at once in autocommit; after commit inside a transaction
    return event


class ArmedFlagSeen:
    """When this process last found the wake-up flag set by someone else (monotonic seconds).

    Under load every delivery's wake-up found the flag set: a Redis round trip per request (a sixth of the
    webhook's CPU) to learn what the previous request had just learned. Within one window of finding it set,
    a web process skips the round trip. That is safe because the flag was set when it was found, so its task
    clears it later; a task that clears it and finds nothing pending looks once more two windows later
    (`webhook_events_recheck`), after every delivery stored by a skipped wake-up. A wake-up that set the flag
    itself is not remembered; nor is anything when tasks run at once (tests), where the later look would run
    at once too, before the skipped deliveries are stored.
    """

    def __init__(self) -> None:
        self.at = float("-inf")

    def recently(self, window: float) -> bool:
        return time.monotonic() - self.at < window

    def clear(self) -> None:
        self.at = float("-inf")


ARMED_FLAG_SEEN = ArmedFlagSeen()


def workers_wake() -> bool:
    """The request's wake-up: queue one apply task unless one is queued already; True if this call queued it.

    Skips the cache when this process found the flag set within the last window (ArmedFlagSeen). Broker or
    cache trouble loses nothing: the delivery is stored and the beat sweep applies it.
    """
    window = settings.WEBHOOK_APPLY_WINDOW_SECONDS
    if ARMED_FLAG_SEEN.recently(window):
        return False
    asked_at = time.monotonic()  # before the round trip: the flag, if set, was set by then and is cleared later
    woken = workers_wake_now()
    if woken is None and not runs_at_once():
        ARMED_FLAG_SEEN.at = asked_at
    return bool(woken)


def workers_wake_now() -> bool | None:
    """Arm the flag and queue the apply task: True if queued, None if the flag was set already, False when the
    cache or the broker failed (the sweep applies what is stored). The workers' own wake-ups come here: they
    must never skip on what their process saw earlier."""
    armed = False
    try:
        if not cache.add(APPLY_ARMED_KEY, 1, timeout=APPLY_ARMED_SECONDS):
            return None
        armed = True
        enqueue("whatsapp.apply_webhook_events", countdown=settings.WEBHOOK_APPLY_WINDOW_SECONDS or None)
    except Exception:
        logger.warning("could not wake the workers; stored webhook deliveries wait for the sweep", exc_info=True)
        if armed:  # a flag with no task behind it would turn the next wake-ups away
            _disarm_quietly()
        return False
    return True


def _disarm_quietly() -> None:
    try:
        cache.delete(APPLY_ARMED_KEY)
    except Exception:
        logger.warning("could not clear the wake-up flag; it expires in %d s", APPLY_ARMED_SECONDS, exc_info=True)


def _pending_exists() -> bool:
    return bool(_ONE_PENDING.rows())


def _one_pending() -> QuerySet[WebhookEvent]:
    return WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.RECEIVED).values_list("pk")[:1]


_ONE_PENDING = CompiledSelect(_one_pending)  # asked after every batch: compiled once (core.compiled)


def webhook_events_apply_pending() -> int:
    """The apply task's body: apply one batch, clear the wake-up flag, and wake again if more is waiting.

    The flag stays set while the batch is applied, so at most one apply task is queued or running: deliveries
    that arrive meanwhile wait for the next batch instead of each waking a task of its own (workers take the
    apply task first, so tiny batches would crowd the replies out). Clearing before looking is what keeps
    every delivery found: one stored after the clear wakes a task itself, one stored before it is pending,
    and one whose request skipped its wake-up (it found the flag set less than a window before) is found by
    the look two windows later.
    """
    applied = 0
    try:
        applied = webhook_events_apply()
    finally:  # also when the batch failed: the flag must not outlive its task, and skipped wake-ups need the look
        _disarm_quietly()
        _wake_again_or_look(full=applied == APPLY_BATCH)
    return applied


def _wake_again_or_look(*, full: bool) -> None:
    """After the flag is cleared: wake a task for what is pending, or look again later. The look waits two
    windows: one for the web processes' memory of the flag, one of margin for the time between a request's
    check and the clear, and for the clocks of other hosts. Failures are logged: the sweep remains."""
    window = settings.WEBHOOK_APPLY_WINDOW_SECONDS
    try:
        if full or _pending_exists():
            workers_wake_now()
        elif window:
            enqueue("whatsapp.recheck_webhook_events", countdown=2 * window)
    except Exception:
        logger.warning("could not wake the workers after a batch; the sweep applies what waits", exc_info=True)


def webhook_events_recheck() -> bool:
    """The look two windows after a clear: wake the workers if a delivery is pending (True if this queued the
    apply task). It does not touch the flag it did not set, so it never asks for another look."""
    return bool(_pending_exists() and workers_wake_now())


def webhook_events_apply(*, older_than: timedelta | None = None) -> int:
    """Apply up to APPLY_BATCH pending deliveries, oldest first, in one transaction.

    Rows are claimed with SELECT … FOR UPDATE SKIP LOCKED, so concurrent workers and the sweep never apply
    one delivery at the same time, and a worker that dies mid-batch rolls back and leaves its deliveries
    pending. Applying is idempotent besides (wamid unique, statuses forward only): SQLite, which has no
    row locks, relies on that. Returns how many deliveries were applied.
    """
    cutoff = timezone.now() - older_than if older_than is not None else None
    with published_together():  # the reply tasks the batch queues on commit: one round trip to the broker
        if connection.vendor != "postgresql":
            return _apply_batch(cutoff, fast=False)
        try:
            return _apply_batch(cutoff, fast=True)
        except (ConversationRace, DatabaseError):
            # The batch rolled back whole; item by item, a bad item spoils nothing else.
            logger.warning("the batch's one-statement store failed; applying it item by item", exc_info=True)
            return _apply_batch(cutoff, fast=False)


def _claim(cutoff: datetime | None = None) -> QuerySet[WebhookEvent]:
    pending = WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.RECEIVED)
    if cutoff is not None:
        pending = pending.filter(received_at__lte=cutoff)
    return pending.select_for_update(skip_locked=True).order_by("received_at", "pk")[:APPLY_BATCH]


# Every batch the workers apply starts with this read: compiled once (core.compiled), not by the ORM for each
# batch. The sweep's, with a cutoff, runs every few seconds and stays the ORM's.
_CLAIM = CompiledSelect(_claim)


def _apply_batch(cutoff: datetime | None, *, fast: bool) -> int:
    """Claim and apply one batch (the oldest pending deliveries, received by `cutoff` if given) in one
    transaction. `fast`: new customer messages are stored together in one statement
    (whatsapp.services.inbound_batch); otherwise each in a savepoint of its own."""
    with transaction.atomic():
        batch = list(_claim(cutoff)) if cutoff is not None else _CLAIM.all()
        shared = ApplyBatch(fast=fast)
        if not fast:
            shared.look_up_wamids(batch)  # the one-statement store skips stored wamids by itself
        for event in batch:
            try:
                process_webhook_event(event, batch=shared)
            except Exception:
                # Every write of an event sits in its own savepoint, so what it stored before failing is
                # consistent (and counted); replaying it later skips what is already there.
                logger.exception("webhook event %s could not be processed", event.pk)
                event.outcome, event.detail = WebhookEvent.Outcome.FAILED, "processing error; see logs"
                event.processed_at = timezone.now()
                shared.events.append(event)
        shared.finish()
    return len(batch)


def webhook_events_replay(*, events: QuerySet[WebhookEvent]) -> int:
    """Apply stored deliveries again (the admin's action, `manage.py replay_webhooks`); returns how many.

    Safe to repeat: a message already stored is skipped (so it is never answered twice) and statuses only
    move forward. Deliveries that were not JSON have nothing to replay.
    """
    replayed = 0
    # Ids first: no cursor stays open across the commits below (SQLite refuses to commit under one).
    ids = list(events.exclude(payload__isnull=True).order_by("received_at", "pk").values_list("pk", flat=True))
    for start in range(0, len(ids), APPLY_BATCH):  # a chunk of rows in memory at a time
        for event in list(
            WebhookEvent.objects.filter(pk__in=ids[start : start + APPLY_BATCH]).order_by("received_at", "pk")
        ):
            with transaction.atomic():
                process_webhook_event(event)
            replayed += 1
    return replayed


def _number_with_client(phone_number_id: str) -> QuerySet[WhatsAppNumber]:
    return WhatsAppNumber.objects.select_related("client").filter(phone_number_id=phone_number_id)


# Every batch looks its numbers up; built by the ORM each time, the two wide rows took longer to compile and
# build than the rest of a small batch of statuses (bench/message_cost.py --profile "status apply").
_NUMBER_WITH_CLIENT = CompiledSelect(_number_with_client, "placeholder:phone_number_id")


@dataclass
class ApplyBatch:
    """What deliveries applied together share: each number looked up once, inbound usage counted once.

    Every inbound message of a number bumps the same usage row; counting them at the end of the batch
    keeps that row locked for an instant instead of for the whole batch (senders count on it too).
    """

    numbers: dict[str, WhatsAppNumber | None] = field(default_factory=dict)
    inbound: Counter[str] = field(default_factory=Counter)
    statuses: list[StatusItem] = field(default_factory=list)
    events: list[WebhookEvent] = field(default_factory=list)
    stored_wamids: set[str] = field(default_factory=set)
    wamids_known: bool = False  # stored_wamids holds every inbound wamid of the batch already stored
    fast: bool = False  # new customer messages wait in `fresh` and are stored together (inbound_batch)
    fresh: list[FreshInbound] = field(default_factory=list)

    def look_up_wamids(self, events: list[WebhookEvent]) -> None:
        """One query for the whole batch: which of its inbound messages are stored already."""
        wamids = {
            str(message.get("id"))
            for event in events
            for entry in as_objects((event.payload or {}).get("entry"))
            for change in as_objects(entry.get("changes"))
            for message in as_objects(as_object(change.get("value")).get("messages"))
            if message.get("id")
        }
        if wamids:
            self.stored_wamids = set(Message.objects.filter(wamid__in=wamids).values_list("wamid", flat=True))
        self.wamids_known = True

    def number(self, phone_number_id: str) -> WhatsAppNumber | None:
        if phone_number_id not in self.numbers:
            self.numbers[phone_number_id] = _NUMBER_WITH_CLIENT.first(phone_number_id)
        return self.numbers[phone_number_id]

    def finish(self) -> None:
        """Write what the batch gathered: statuses, then each delivery's outcome, then usage (last: the
        usage row stays locked only from here to the commit). New customer messages waiting in `fresh` go
        in one statement with the outcomes and their usage."""
        self.apply_statuses()
        if self.fresh:
            self.store_fresh(with_outcomes=True)
        elif self.events:
            update_rows(
                WebhookEvent,
                {e.pk: {"outcome": e.outcome, "detail": e.detail, "processed_at": e.processed_at} for e in self.events},
            )
        self.events = []
        self.count_inbound_usage()

    def store_fresh(self, *, with_outcomes: bool = False) -> None:
        """Store the new customer messages gathered so far (before an edit or a deletion that may name one)."""
        fresh, self.fresh = self.fresh, []
        store_fresh_inbound(fresh, outcomes=self.events if with_outcomes else [])

    def apply_statuses(self) -> None:
        """All statuses of the batch at once; if that fails, one by one, so a bad one spoils nothing else."""
        items, self.statuses = self.statuses, []
        if not items:
            return
        try:
            with transaction.atomic():
                apply_status_batch(items)
        except Exception:
            logger.exception("a batch of %d statuses failed; applying them one by one", len(items))
            for number, status in items:
                try:
                    with transaction.atomic():
                        apply_status_update(number=number, status=status)
                except Exception:
                    logger.exception("status %r for %s failed", status.get("id"), number.phone_number_id)

    def count_inbound_usage(self) -> None:
        for phone_number_id, count in self.inbound.items():
            record_inbound_usage(number=self.numbers[phone_number_id], count=count)
        self.inbound.clear()


def process_webhook_event(event: WebhookEvent, *, batch: ApplyBatch | None = None) -> WebhookEvent:
    """Apply every item of the delivery; each inbound message and each field handler in its own savepoint,
    so one bad item spoils nothing. Inside a batch, statuses, usage and the delivery's own outcome are
    written with the batch; alone (replay, the admin) they are written before returning.

    Idempotent (messages by wamid, statuses only move forward), so the admin can reprocess.
    """
    own_batch = batch is None
    batch = batch or ApplyBatch()
    notes: list[str] = []
    handled = failed = 0
    payload = event.payload or {}
    for entry in as_objects(payload.get("entry")):
        for change in as_objects(entry.get("changes")):
            field, value = str(change.get("field")), as_object(change.get("value"))
            if field != "messages":
                handler = FIELD_HANDLERS.get(field)
                if handler is None:
                    notes.append(f"field {field} not handled")
                    continue
                with transaction.atomic():
                    notes.append(handler(entry, value))
                handled += 1
                continue
            ok, bad, note = _process_messages_change(value, batch)
            handled, failed = handled + ok, failed + bad
            if note:
                notes.append(note)
    if failed:
        outcome = WebhookEvent.Outcome.PARTIAL if handled else WebhookEvent.Outcome.FAILED
    else:
        outcome = WebhookEvent.Outcome.PROCESSED if handled else WebhookEvent.Outcome.IGNORED
    event.outcome, event.detail, event.processed_at = outcome, "\n".join(notes)[:5000], timezone.now()
    batch.events.append(event)
    if own_batch:
        batch.finish()
    return event


def _process_messages_change(value: dict[str, Any], batch: ApplyBatch) -> tuple[int, int, str]:
    pnid = str(as_object(value.get("metadata")).get("phone_number_id") or "")
    number = batch.number(pnid) if pnid else None
    if number is None:
        logger.warning("webhook for unknown phone_number_id %r", pnid)
        return 0, 0, f"unknown phone_number_id {pnid!r}"
    contacts = contacts_by_key(value.get("contacts"))
    bad = 0
    notes = []
    statuses = as_objects(value.get("statuses"))
    batch.statuses.extend((number, status) for status in statuses)  # applied together, set-wise
    ok = len(statuses)
    for item in as_objects(value.get("messages")):
        wamid = str(item.get("id") or "")
        if wamid in batch.stored_wamids:
            ok += 1  # Meta delivered it again: stored already, never answered twice
            continue
        if batch.fast and wamid and batchable(item):
            identity = identity_from_inbound(item, contacts.get(sender_key(item)))
            if identity:
                batch.fresh.append(FreshInbound(number, item, identity, _timestamp(item.get("timestamp"))))
                batch.stored_wamids.add(wamid)
                ok += 1
                continue
        if batch.fresh:
            batch.store_fresh()  # an edit or a deletion may name a message gathered before it
        try:
            with transaction.atomic():
                sender = contacts.get(sender_key(item))
                stored = record_inbound_message(
                    number=number, message=item, contact_info=sender, known_new=batch.wamids_known
                )
            if stored:
                batch.inbound[pnid] += 1
                batch.stored_wamids.add(wamid)
            ok += 1
        except IntegrityError:
            ok += 1  # the same wamid stored meanwhile by a concurrent delivery: its savepoint undid this one
        except Exception as exc:
            logger.exception("webhook message for %s failed", pnid)
            notes.append(f"message {item.get('id')!r}: {exc}")
            bad += 1
    for error in as_objects(value.get("errors")):
        notes.append(f"error {error.get('code')}: {error.get('title') or error.get('message')}")
    return ok, bad, "\n".join(notes)
