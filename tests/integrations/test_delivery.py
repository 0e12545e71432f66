"""Outgoing webhooks over real HTTP to a local receiver: signing, retries and backoff, the 4xx stop,
disabling after persistent failure, and the events the pipeline raises."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import time
from datetime import timedelta

import pytest
from django.core import mail

from audit.models import AuditEntry
from integrations import services, subscriptions
from integrations.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.signing import verify
from tenants.models import Membership
from tests.factories import MembershipFactory, MessageFactory, UserFactory
from tests.integrations.conftest import run_ours
from tests.meta_fixtures import text_message
from whatsapp.models import Conversation, Message
from whatsapp.services import ownership
from whatsapp.services.statuses import apply_status_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast_retries(settings):
    settings.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS = 80
    settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS = 3600
    settings.OUTGOING_WEBHOOK_TIMEOUT_SECONDS = 3
    return settings


def parse_signature(header: str) -> tuple[int, str]:
    fields = dict(part.split("=", 1) for part in header.split(","))
    return int(fields["t"]), fields["v1"]


def one_delivery(number, url, *, events=("message.received",)) -> WebhookDelivery:
    """An endpoint at `url` and one delivery of a real message event to it (not yet attempted)."""
    services.endpoint_create(client=number.client, url=url, events=list(events))
    message = MessageFactory(conversation__number=number, text="Hola")
    [delivery_id] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)


def test_a_customer_message_reaches_the_endpoint_signed_over_http(
    number, receiver, post_webhook, django_capture_on_commit_callbacks
):
    rx = receiver([200])
    endpoint, secret = services.endpoint_create(client=number.client, url=rx.url, events=["message.received"])
    assert secret.startswith("whsec_") and len(secret) > 40

    with django_capture_on_commit_callbacks() as callbacks:
        post_webhook(text_message(number, wamid="wamid.HOOK1", text="Hola, ¿abren hoy?"))
    assert run_ours(callbacks) == ["integrations.emit_events", "integrations.deliver_webhook"]

    [request] = rx.requests
    assert request.path == "/hooks/crm?src=test"
    assert request.headers["Content-Type"] == "application/json"
    timestamp, v1 = parse_signature(request.headers["X-CRM-Signature"])
    # The receiver's side, written out: HMAC-SHA256 over "<t>.<raw body>" with the endpoint's secret.
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(v1, expected)
    assert abs(time.time() - timestamp) < 60
    assert verify(secret, request.body, request.headers["X-CRM-Signature"])
    assert not verify(secret, request.body.replace(b"Hola", b"Chao"), request.headers["X-CRM-Signature"])
    assert not verify("whsec_someone-else", request.body, request.headers["X-CRM-Signature"])
    # Replay window: the same signed request five minutes and a second later is refused.
    assert not verify(secret, request.body, request.headers["X-CRM-Signature"], now=timestamp + 301)

    body = json.loads(request.body)
    assert body["type"] == "message.received" and body["client_id"] == number.client_id
    assert body["data"]["message"]["wamid"] == "wamid.HOOK1"
    assert body["data"]["message"]["text"] == "Hola, ¿abren hoy?"
    assert body["data"]["conversation"]["contact"]["wa_id"] == "573001112233"
    assert request.headers["X-CRM-Event"] == "message.received"
    assert request.headers["X-CRM-Event-Id"] == body["id"]

    delivery = WebhookDelivery.objects.get()
    assert (delivery.endpoint, delivery.status, delivery.attempts) == (endpoint, "succeeded", 1)
    assert delivery.last_response_code == 200 and delivery.last_latency_ms is not None
    attempt = WebhookAttempt.objects.get()
    assert (attempt.outcome, attempt.response_code) == ("succeeded", 200)
    assert delivery.body.encode() == request.body  # stored exactly as signed and sent


def test_only_subscribed_enabled_endpoints_of_the_events_client_get_it(number, receiver, other_number):
    wanted, unsubscribed, disabled, elsewhere = receiver(), receiver(), receiver(), receiver()
    services.endpoint_create(client=number.client, url=wanted.url, events=["message.received", "message.status"])
    services.endpoint_create(client=number.client, url=unsubscribed.url, events=["message.status"])
    services.endpoint_create(client=number.client, url=disabled.url, events=["message.received"], is_enabled=False)
    services.endpoint_create(client=other_number.client, url=elsewhere.url, events=["message.received"])
    message = MessageFactory(conversation__number=number)

    ids = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    for delivery_id in ids:
        services.delivery_attempt(delivery_id)

    assert len(ids) == 1 and len(wanted.requests) == 1
    assert not unsubscribed.requests and not disabled.requests and not elsewhere.requests
    # An id of another client's message names nothing: no event goes out.
    assert services.events_emit([[other_number.client_id, "message.received", {"message_id": message.pk}]]) == []


def test_retries_back_off_exponentially_with_jitter_until_the_receiver_answers(number, receiver, fast_retries):
    rx = receiver([500, 502, 503, 408, 429, 200])
    delivery = one_delivery(number, rx.url)
    now = delivery.created_at
    ceilings = [10, 20, 40, 80, 80]  # base doubling, capped at the maximum delay
    for attempt, ceiling in enumerate(ceilings, start=1):
        services.delivery_attempt(delivery.pk, now=now)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts) == ("retrying", attempt)
        delay = (delivery.next_attempt_at - now).total_seconds()
        assert ceiling / 2 <= delay <= ceiling, (attempt, delay)
        # Not due yet: a second run (a duplicate task, the sweep) does nothing.
        assert services.delivery_attempt(delivery.pk, now=now + timedelta(seconds=delay / 2)) is None
        now = delivery.next_attempt_at

    services.delivery_attempt(delivery.pk, now=now)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("succeeded", 6, 200)
    attempts = list(WebhookAttempt.objects.filter(delivery=delivery).values_list("response_code", "outcome"))
    assert attempts == [(500, "retry"), (502, "retry"), (503, "retry"), (408, "retry"), (429, "retry"),
                        (200, "succeeded")]  # fmt: skip
    assert len(rx.requests) == 6
    assert len({r.headers["X-CRM-Event-Id"] for r in rx.requests}) == 1  # one event, tried six times
    assert [r.headers["X-CRM-Attempt"] for r in rx.requests] == ["1", "2", "3", "4", "5", "6"]
    assert WebhookEndpoint.objects.get().failing_since is None  # the success ended the streak


def test_the_jitter_spreads_retries_and_a_day_of_them_fits_the_window(settings):
    settings.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS = 30
    settings.OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS = 4 * 3600
    rng = random.Random(7)
    samples = [services.retry_delay(3, rng=rng) for _ in range(200)]
    assert 60 <= min(samples) < 75 and 105 < max(samples) <= 120  # [ceiling/2, ceiling], ceiling 120 s
    assert len({round(s, 3) for s in samples}) > 150
    assert services.retry_delay(20, rng=rng) <= 4 * 3600
    assert services.retry_delay(1, retry_after=600, rng=rng) == 600  # a 429's Retry-After is honoured


def test_a_retry_after_on_429_sets_the_next_attempt(number, receiver, fast_retries):
    rx = receiver([429], Retry_After="70")
    delivery = one_delivery(number, rx.url)
    services.delivery_attempt(delivery.pk, now=delivery.created_at)
    delivery.refresh_from_db()
    assert (delivery.next_attempt_at - delivery.created_at).total_seconds() == 70


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_4xx_other_than_408_or_429_stops_at_once(number, receiver, fast_retries, status):
    rx = receiver([status])
    delivery = one_delivery(number, rx.url)
    services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == ("failed", 1, status)
    assert delivery.next_attempt_at is None and delivery.completed_at is not None
    assert WebhookAttempt.objects.get().outcome == "gave_up"
    assert services.deliveries_sweep() == 0  # nothing left to retry
    assert len(rx.requests) == 1
    assert WebhookEndpoint.objects.get().is_enabled  # one refusal is no persistent failure


def test_a_redirect_is_not_followed(number, receiver, fast_retries):
    rx = receiver([302])  # Location: the cloud metadata address
    delivery = one_delivery(number, rx.url)
    services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.last_response_code, len(rx.requests)) == ("retrying", 302, 1)


def test_no_answer_at_all_is_retried(number, receiver, fast_retries):
    rx = receiver()
    url = rx.url
    rx.server.shutdown()
    rx.server.server_close()  # nothing listens there any more
    rx.server = receiver().server  # the fixture stops this one instead
    delivery = one_delivery(number, url)
    services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == "retrying" and delivery.last_response_code is None
    assert "Connection" in delivery.last_error or "refused" in delivery.last_error.lower()


def test_persistent_failure_disables_the_endpoint_and_emails_the_owner(
    number, receiver, settings, django_capture_on_commit_callbacks
):
    settings.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS = 40
    settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS = 120
    settings.PUBLIC_BASE_URL = "https://crm.example.com"
    owner = MembershipFactory(client=number.client, role=Membership.Role.OWNER, user__email="duena@example.com").user
    MembershipFactory(client=number.client, role=Membership.Role.AGENT, user__email="agente@example.com")
    rx = receiver([500])
    delivery = one_delivery(number, rx.url)
    assert subscriptions.wanted(number.client_id, "message.received")

    now = delivery.created_at
    with django_capture_on_commit_callbacks() as callbacks:
        while True:
            services.delivery_attempt(delivery.pk, now=now)
            delivery.refresh_from_db()
            if delivery.status != "retrying":
                break
            now = delivery.next_attempt_at
    assert delivery.status == "failed" and delivery.attempts >= 4
    assert (delivery.created_at + timedelta(seconds=120)) - now < timedelta(seconds=40)  # retried to the window's end
    assert list(WebhookAttempt.objects.filter(delivery=delivery).values_list("outcome", flat=True))[-1] == "gave_up"
    endpoint = WebhookEndpoint.objects.get()
    assert not endpoint.is_enabled and endpoint.disabled_reason == "persistent_failure"
    assert not subscriptions.wanted(number.client_id, "message.received")  # the hot path stops at once
    entry = AuditEntry.objects.get(action="webhook.disabled")
    assert (entry.actor_kind, entry.client_id) == ("system", number.client_id)

    assert "integrations.notify_endpoint_disabled" in run_ours(callbacks)
    [email] = mail.outbox
    assert email.to == [owner.email]
    assert rx.url in email.body and "https://crm.example.com/app/settings/webhooks/" in email.body

    # Events no longer go to it, and a queued delivery of the disabled endpoint fails without a request.
    before = len(rx.requests)
    message = MessageFactory(conversation__number=number)
    assert services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]]) == []
    assert len(rx.requests) == before


def test_a_success_elsewhere_keeps_a_flaky_endpoint_enabled(number, receiver, settings):
    settings.OUTGOING_WEBHOOK_RETRY_BASE_SECONDS = 10
    settings.OUTGOING_WEBHOOK_RETRY_MAX_DELAY_SECONDS = 40
    settings.OUTGOING_WEBHOOK_RETRY_FOR_SECONDS = 120
    rx = receiver([500, 200, 500])
    first = one_delivery(number, rx.url)
    services.delivery_attempt(first.pk, now=first.created_at)  # 500
    message = MessageFactory(conversation__number=number)
    [second] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    services.delivery_attempt(second)  # 200: the receiver works
    now = WebhookDelivery.objects.get(pk=first.pk).next_attempt_at
    while WebhookDelivery.objects.get(pk=first.pk).status == "retrying":
        services.delivery_attempt(first.pk, now=now)
        now = WebhookDelivery.objects.get(pk=first.pk).next_attempt_at or now
    assert WebhookDelivery.objects.get(pk=first.pk).status == "failed"
    assert WebhookEndpoint.objects.get().is_enabled


def test_redelivery_sends_the_same_event_newly_signed(number, receiver, django_capture_on_commit_callbacks):
    rx = receiver([404, 200])
    delivery = one_delivery(number, rx.url)
    services.delivery_attempt(delivery.pk)
    with django_capture_on_commit_callbacks() as callbacks:
        again = services.delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=delivery.pk))
    assert run_ours(callbacks) == ["integrations.deliver_webhook"]
    again.refresh_from_db()
    assert (again.status, again.redelivery_of_id, again.event_id) == ("succeeded", delivery.pk, delivery.event_id)
    first, second = rx.requests
    assert first.body == second.body
    assert AuditEntry.objects.filter(action="webhook.redelivered", client=number.client).exists()


def test_the_sweep_queues_due_retries_and_frees_dead_claims(number, receiver, fast_retries):
    rx = receiver([500, 200])
    delivery = one_delivery(number, rx.url)
    services.delivery_attempt(delivery.pk)
    delivery.refresh_from_db()
    assert services.deliveries_sweep(now=delivery.next_attempt_at - timedelta(seconds=1)) == 0
    assert services.deliveries_sweep(now=delivery.next_attempt_at + timedelta(seconds=1)) == 1
    # Eager in tests: the swept task ran at real time, before the retry was due, so it found nothing to do;
    # with the clock moved on, the attempt runs.
    services.delivery_attempt(delivery.pk, now=delivery.next_attempt_at)
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"

    message = MessageFactory(conversation__number=number)
    [stuck_id] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    stuck = WebhookDelivery.objects.get(pk=stuck_id)
    WebhookDelivery.objects.filter(pk=stuck.pk).update(status="delivering", claimed_at=stuck.created_at)
    services.deliveries_sweep(now=stuck.created_at + timedelta(minutes=11))
    assert WebhookDelivery.objects.get(pk=stuck.pk).status in {"retrying", "succeeded"}


def test_pipeline_events_handoff_take_over_status_and_usage(number, receiver, django_capture_on_commit_callbacks):
    from billing.alerts import raise_due_alerts
    from billing.services import usage_period_for

    rx = receiver([200])
    services.endpoint_create(
        client=number.client,
        url=rx.url,
        events=["conversation.handoff", "conversation.taken_over", "message.status", "usage.threshold"],
    )
    message = MessageFactory(
        conversation__number=number, direction=Message.Direction.OUTBOUND, status="sent", wamid="wamid.OUT1"
    )
    conversation = message.conversation
    agent = UserFactory(first_name="Marta", last_name="Ruiz")
    period = usage_period_for(number=number)
    type(period).objects.filter(pk=period.pk).update(service_messages=period.allowance)
    period.refresh_from_db()

    with django_capture_on_commit_callbacks() as callbacks:
        ownership.hand_off(conversation=conversation, reason="The assistant asked for a person")
        Conversation.objects.filter(pk=conversation.pk).update(owner="ai")
        ownership.take_over(conversation=conversation, user=agent)
        apply_status_batch([(number, {"id": "wamid.OUT1", "status": "delivered", "timestamp": "1763776100"})])
        raise_due_alerts(period=period)
    run_ours(callbacks)

    bodies = {json.loads(r.body)["type"]: json.loads(r.body) for r in rx.requests}
    assert set(bodies) == {"conversation.handoff", "conversation.taken_over", "message.status", "usage.threshold"}
    assert bodies["conversation.handoff"]["data"]["reason"] == "The assistant asked for a person"
    assert bodies["conversation.handoff"]["data"]["conversation"]["id"] == conversation.pk
    assert bodies["conversation.taken_over"]["data"]["taken_over_by"] == "Marta Ruiz"
    status = bodies["message.status"]["data"]
    assert (status["status"], status["message"]["wamid"], status["message"]["status"]) == (
        "delivered",
        "wamid.OUT1",
        "delivered",
    )
    usage = bodies["usage.threshold"]["data"]
    assert usage["number"]["phone_number"] == number.phone_number and usage["threshold"] in (80, 100)
    assert usage["month"] == period.month.strftime("%Y-%m")


@pytest.mark.django_db(transaction=True)
def test_the_assistants_reply_is_announced_as_message_sent(sandbox_live, number, receiver):
    """End to end through the sandbox: the customer writes, the assistant's reply is accepted by the Graph API,
    and the endpoint hears both (the tasks run eagerly at each commit, as a worker would run them)."""
    from tests.support import customer_writes

    rx = receiver([200])
    _endpoint, secret = services.endpoint_create(
        client=number.client, url=rx.url, events=["message.received", "message.sent"]
    )
    customer_writes(sandbox_live, number, "Hola, ¿a qué hora abren?")

    bodies = [json.loads(r.body) for r in rx.requests]
    assert [b["type"] for b in bodies] == ["message.received", "message.sent"]
    sent = bodies[1]["data"]["message"]
    reply = Message.objects.get(direction=Message.Direction.OUTBOUND)
    assert (sent["id"], sent["direction"], sent["wamid"]) == (reply.pk, "out", reply.wamid)
    assert sent["wamid"] and sent["status"] == "sent"
    assert all(verify(secret, r.body, r.headers["X-CRM-Signature"]) for r in rx.requests)


def test_old_finished_deliveries_are_purged(number, receiver, settings):
    settings.OUTGOING_WEBHOOK_KEEP_DAYS = 30
    rx = receiver([200])
    old = one_delivery(number, rx.url)
    services.delivery_attempt(old.pk)
    again = services.delivery_redeliver(delivery=WebhookDelivery.objects.get(pk=old.pk))
    message = MessageFactory(conversation__number=number)
    [retrying] = services.events_emit([[number.client_id, "message.received", {"message_id": message.pk}]])
    long_ago = old.created_at - timedelta(days=31)
    WebhookDelivery.objects.filter(pk__in=[old.pk, retrying]).update(created_at=long_ago)
    WebhookDelivery.objects.filter(pk=retrying).update(status="retrying")

    assert services.deliveries_purge() == 2  # the old delivery and its attempt
    assert set(WebhookDelivery.objects.values_list("pk", flat=True)) == {again.pk, retrying}  # unfinished stays
    assert WebhookDelivery.objects.get(pk=again.pk).redelivery_of_id is None
    settings.OUTGOING_WEBHOOK_KEEP_DAYS = 0
    WebhookDelivery.objects.update(created_at=long_ago, status="succeeded")
    assert services.deliveries_purge() == 0
