"""Ingest in one write: the request stores the delivery and wakes the workers; they apply it in batches.

A delivery whose hand-off is lost is applied by the beat sweep; replays never answer a customer twice.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from tests.meta_fixtures import text_message
from tests.support import prepared_statements
from whatsapp.models import Message, WebhookEvent
from whatsapp.services.webhooks import (
    APPLY_ARMED_KEY,
    APPLY_BATCH,
    ApplyBatch,
    process_webhook_event,
    webhook_events_apply,
    workers_wake,
)
from whatsapp.signature import sign_body
from whatsapp.tasks import apply_stale_webhook_events, apply_webhook_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def deliver(client, payload):
    """POST as Meta does; the on-commit hand-off to the workers is captured, not run."""
    return deliver_text(client, json.dumps(payload))


def deliver_text(client, body: str):
    """POST this exact body, signed as Meta signs it."""
    return client.post(
        "/webhook/whatsapp",
        data=body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=sign_body(body.encode()),
    )


def test_the_request_is_one_insert_and_a_hand_off(client, number, django_assert_num_queries, on_commit):
    with on_commit() as callbacks, django_assert_num_queries(1) as captured:
        assert deliver(client, text_message(number, wamid="wamid.ONE")).status_code == 200
    assert captured.captured_queries[0]["sql"].startswith("INSERT INTO")
    event = WebhookEvent.objects.get()
    assert event.outcome == WebhookEvent.Outcome.RECEIVED and not Message.objects.exists()
    assert callbacks == [workers_wake]

    assert workers_wake() is True  # the apply task runs (eagerly in tests) and clears the flag
    assert workers_wake() is True  # so the next delivery wakes a new one
    event.refresh_from_db()
    assert event.outcome == WebhookEvent.Outcome.PROCESSED
    assert Message.objects.get().wamid == "wamid.ONE"


def test_a_worker_applies_every_pending_delivery_in_one_batch(client, number, on_commit):
    with on_commit():
        for i in range(3):
            deliver(client, text_message(number, wamid=f"wamid.B{i}", text=f"mensaje {i}"))
    assert webhook_events_apply() == 3
    assert set(Message.objects.values_list("wamid", flat=True)) == {"wamid.B0", "wamid.B1", "wamid.B2"}
    assert webhook_events_apply() == 0  # nothing is applied twice
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {WebhookEvent.Outcome.PROCESSED}


def test_wake_ups_are_coalesced_and_a_full_batch_wakes_the_next(client, number, on_commit, settings):
    with on_commit() as callbacks:
        for i in range(APPLY_BATCH + 1):
            deliver(client, text_message(number, wamid=f"wamid.M{i}"))
    assert len(callbacks) == APPLY_BATCH + 1
    # Every delivery tries to wake the workers; a flag already set means a task is queued: no second one.
    cache.add(APPLY_ARMED_KEY, 1)
    assert [wake() for wake in callbacks] == [False] * (APPLY_BATCH + 1)
    assert not Message.objects.exists()
    # The queued task clears the flag, applies a full batch, and wakes the next task for the rest.
    assert apply_webhook_events.delay().get() == APPLY_BATCH
    assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.RECEIVED).exists()
    assert Message.objects.count() == APPLY_BATCH + 1


def test_the_sweep_applies_a_delivery_whose_hand_off_was_lost(client, number, settings, on_commit):
    settings.WEBHOOK_APPLY_GRACE_SECONDS = 10
    with on_commit():  # captured and never run: the hand-off is lost
        deliver(client, text_message(number, wamid="wamid.LOST"))
        deliver(client, text_message(number, wamid="wamid.FRESH"))
    WebhookEvent.objects.filter(payload__entry__0__changes__0__value__messages__0__id="wamid.LOST").update(
        received_at=timezone.now() - timedelta(seconds=30)
    )
    assert apply_stale_webhook_events.delay().get() == 1
    assert list(Message.objects.values_list("wamid", flat=True)) == ["wamid.LOST"]  # the fresh one waits for its worker


def test_a_delivery_that_breaks_is_marked_failed_and_the_batch_goes_on(client, number, on_commit):
    with on_commit():
        deliver(client, text_message(number, wamid="wamid.OK1"))
        deliver(client, {"object": "whatsapp_business_account", "entry": "not a list"})
        deliver(client, text_message(number, wamid="wamid.OK2"))
    assert webhook_events_apply() == 3
    assert set(Message.objects.values_list("wamid", flat=True)) == {"wamid.OK1", "wamid.OK2"}
    assert not WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.RECEIVED).exists()


def test_replay_by_id_and_time_range_never_answers_twice(post_webhook, number, on_commit):
    post_webhook(text_message(number, wamid="wamid.R1"))
    event = WebhookEvent.objects.get()
    with on_commit() as callbacks:
        call_command("replay_webhooks", "--id", str(event.pk))
        since = (event.received_at - timedelta(minutes=1)).isoformat()
        call_command("replay_webhooks", "--since", since)
    assert Message.objects.filter(wamid="wamid.R1").count() == 1
    assert callbacks == []  # no reply scheduled again
    event.refresh_from_db()
    assert event.outcome == WebhookEvent.Outcome.PROCESSED


@pytest.mark.parametrize("arguments", [[], ["--since", "yesterday"]])
def test_replay_needs_deliveries_named_clearly(arguments):
    with pytest.raises(CommandError):
        call_command("replay_webhooks", *arguments)


def test_a_batch_of_100_status_webhooks_costs_at_most_3_queries_each(
    client, number, on_commit, django_assert_max_num_queries
):
    """Each status its own delivery, as Meta sends them: storing plus applying stays within 3 queries each."""
    from billing.models import CountedMessage
    from tests.billing.support import send_counted
    from tests.billing.webhooks import status_payload

    sent = send_counted(number, 100)
    Message.objects.filter(pk__in=[m.pk for m in sent]).update(status=Message.Status.SENT)
    wamids = dict(Message.objects.filter(pk__in=[m.pk for m in sent]).values_list("pk", "wamid"))
    with django_assert_max_num_queries(300), on_commit():
        for message in sent:
            deliver(client, status_payload(number, wamids[message.pk], "delivered"))
        assert webhook_events_apply() == 100
    statuses = set(Message.objects.filter(pk__in=wamids).values_list("status", flat=True))
    assert statuses == {Message.Status.DELIVERED}
    assert set(CountedMessage.objects.filter(pk__in=wamids).values_list("pricing_type", flat=True)) == {"regular"}
    assert not WebhookEvent.objects.exclude(outcome=WebhookEvent.Outcome.PROCESSED).exists()


@pytest.mark.django_db(transaction=True)
def test_replay_commits_each_delivery_outside_any_transaction(post_webhook, number):
    """The command runs in autocommit: no cursor may stay open across its commits (SQLite refuses)."""
    for i in range(3):
        post_webhook(text_message(number, wamid=f"wamid.T{i}"))
    call_command("replay_webhooks", "--since", "2000-01-01T00:00")
    assert Message.objects.filter(wamid__startswith="wamid.T").count() == 3
    assert set(WebhookEvent.objects.values_list("outcome", flat=True)) == {WebhookEvent.Outcome.PROCESSED}


def test_a_wamid_stored_by_a_concurrent_delivery_is_a_duplicate_not_a_failure(client, number, on_commit, post_webhook):
    post_webhook(text_message(number, wamid="wamid.RACE"))
    with on_commit() as callbacks:
        deliver(client, text_message(number, wamid="wamid.RACE"))
        # The batch looked its wamids up before the other delivery committed: it believes this one is new.
        shared = ApplyBatch(wamids_known=True)
        event = WebhookEvent.objects.order_by("pk").last()
        process_webhook_event(event, batch=shared)
        shared.finish()
    event.refresh_from_db()
    assert event.outcome == WebhookEvent.Outcome.PROCESSED
    assert Message.objects.filter(wamid="wamid.RACE").count() == 1
    assert [c for c in callbacks if getattr(c, "args", ("",))[0] == "whatsapp.answer_inbound_message"] == []


@pytest.mark.postgres
def test_on_postgresql_the_delivery_s_insert_is_one_prepared_statement_and_keeps_the_body_and_payload(
    client, number, on_commit
):
    """The webhook's INSERT runs four times for every answered message (the text and three statuses)."""
    payloads = [text_message(number, wamid=f"wamid.PREP{i}", text="hola ñ") for i in range(3)]
    with on_commit():
        for payload in payloads:
            assert deliver(client, payload).status_code == 200
    runs = {sql: sum(plans) for sql, plans in prepared_statements().items() if "whatsapp_webhookevent" in sql}
    assert list(runs.values()) == [3], runs
    stored = list(WebhookEvent.objects.order_by("pk"))
    assert [event.payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for event in stored] == [
        "wamid.PREP0",
        "wamid.PREP1",
        "wamid.PREP2",
    ]
    assert all(event.phone_number_ids == [number.phone_number_id] for event in stored)
    assert [json.loads(event.body) for event in stored] == payloads
    assert {event.payload["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] for event in stored} == {
        "hola ñ"
    }


def test_the_stored_payload_is_read_from_the_text_as_received_and_odd_but_valid_json_is_kept(client, number, on_commit):
    """The database parses the payload from the body's text (Python no longer writes it out again). Escapes
    and a repeated key arrive as JSON says (the last repeated key wins, in Python and in jsonb alike)."""
    body = json.dumps(text_message(number, wamid="wamid.ODD", text="caf\u00e9")).replace(
        '"type": "text"', '"type": "image", "type": "text"'
    )
    assert "\\u00e9" in body
    with on_commit():
        response = deliver_text(client, body)
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    message = event.payload["entry"][0]["changes"][0]["value"]["messages"][0]
    assert message["text"]["body"] == "café" and message["type"] == "text"
    assert event.body == body
    assert webhook_events_apply() == 1
    assert Message.objects.get().text == "café"


@pytest.mark.parametrize("number_text", ["1e400", "0e-99999", "1." + "5" * 150], ids=["infinite", "exponent", "long"])
@pytest.mark.parametrize("emoji", ["", " \U0001f600"], ids=["plain", "with a surrogate pair escaped"])
def test_a_number_a_float_or_jsonb_cannot_hold_is_refused_with_a_400_not_a_500(
    client, number, on_commit, emoji, number_text
):
    """1e400 reads as an infinite float, which neither JSON nor jsonb can hold: it was a 500 (Meta retries those
    for days). 0e-99999 and a 150-digit fraction pass Python but overflow PostgreSQL's numeric, which now parses
    the stored payload from the text. A surrogate pair's escape takes the other way to storage: both are tried."""
    body = json.dumps(text_message(number, wamid="wamid.BIG", text="hola" + emoji)).replace(
        '"type": "text"', f'"type": "text", "weight": {number_text}'
    )
    with on_commit():
        response = deliver_text(client, body)
    assert response.status_code == 400 and response.json()["error"]["code"] == "malformed_json"
    assert WebhookEvent.objects.get().outcome == WebhookEvent.Outcome.FAILED


def test_a_tiny_number_is_kept(client, number, on_commit):
    """1e-400 is below a float (Python reads 0.0) but within numeric: accepted and stored as sent."""
    body = json.dumps(text_message(number, wamid="wamid.TINY")).replace('"type": "text"', '"type": "text", "w": 1e-400')
    with on_commit():
        response = deliver_text(client, body)
    assert response.status_code == 200 and WebhookEvent.objects.get().body == body


@pytest.mark.postgres
def test_batches_of_any_size_store_their_messages_with_one_prepared_statement_and_keep_every_character(
    client, number, on_commit
):
    """The batch's messages travel as one array per column, so the statement's text does not depend on how many
    there are: one prepared statement for a batch of one and a batch of three. Text that an array literal must
    escape (quotes, backslashes, braces, commas, the word NULL, new lines, emoji) arrives as sent."""
    awkward = ['"comillas" y \\barra\\', "{llaves}, comas, NULL", "línea 1\nlínea 2 \U0001f600", "NULL"]
    with on_commit():
        deliver(client, text_message(number, wamid="wamid.ARR0", text=awkward[0]))
    assert webhook_events_apply() == 1
    with on_commit():
        for i, text in enumerate(awkward[1:], start=1):
            deliver(client, text_message(number, wamid=f"wamid.ARR{i}", text=text))
    assert webhook_events_apply() == 3
    stored = {m.wamid: m for m in Message.objects.all()}
    assert [stored[f"wamid.ARR{i}"].text for i in range(4)] == awkward
    assert [stored[f"wamid.ARR{i}"].payload["text"]["body"] for i in range(4)] == awkward
    assert len({m.conversation_id for m in stored.values()}) == 1  # one customer: one conversation, opened once
    batch_statements = {
        sql: runs for sql, runs in prepared_statements().items() if "INSERT INTO whatsapp_message" in sql
    }
    assert len(batch_statements) == 1 and sum(next(iter(batch_statements.values()))) == 2, batch_statements
