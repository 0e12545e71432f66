"""Meta's news about accounts and numbers: webhook fields (account_update, name, quality) and the health sync."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from sandbox.models import SandboxPhoneNumber
from tenants.models import WhatsAppNumber
from tests.factories import WhatsAppNumberFactory, connected_number
from tests.support import FailingSMTPBackend
from whatsapp.models import WebhookEvent
from whatsapp.services.number_health import warn_expiring_tokens
from whatsapp.tasks import sync_number_health


def field_payload(waba_id: str, field: str, value: dict) -> dict:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": 1767225600, "changes": [{"field": field, "value": value}]}],
    }


@pytest.mark.django_db
def test_partner_removed_disconnects_the_clients_numbers(post_webhook):
    mine = WhatsAppNumberFactory(connection_type="embedded", waba_id="222000")
    other = WhatsAppNumberFactory(connection_type="embedded", waba_id="333000")
    value = {"event": "PARTNER_REMOVED", "waba_info": {"waba_id": "222000", "owner_business_id": "1"}}
    assert post_webhook(field_payload("222000", "account_update", value)).status_code == 200

    mine.refresh_from_db()
    other.refresh_from_db()
    assert (mine.status, mine.failure_code) == ("disconnected", "reconnect_required")
    assert "PARTNER_REMOVED" in mine.status_reason
    assert other.status == "active"
    assert "disconnected" in WebhookEvent.objects.get().detail


@pytest.mark.django_db
def test_account_restriction_is_noted(post_webhook):
    number = WhatsAppNumberFactory(waba_id="444000")
    value = {
        "event": "ACCOUNT_RESTRICTION",
        "restriction_info": [{"restriction_type": "RESTRICTED_ADD_PHONE_NUMBER_ACTION"}],
    }
    post_webhook(field_payload("444000", "account_update", value))
    number.refresh_from_db()
    assert number.status == "active" and "ACCOUNT_RESTRICTION" in number.status_reason


@pytest.mark.django_db
def test_display_name_decision_is_recorded(post_webhook):
    number = WhatsAppNumberFactory(phone_number="+573001112222")
    value = {
        "display_phone_number": "573001112222",
        "decision": "REJECTED",
        "requested_verified_name": "Pan",
        "rejection_reason": "NAME_FORMAT_UNACCEPTABLE",
    }
    post_webhook(field_payload(number.waba_id, "phone_number_name_update", value))
    number.refresh_from_db()
    assert (number.name_status, number.failure_code) == ("REJECTED", "display_name_rejected")
    assert "NAME_FORMAT_UNACCEPTABLE" in number.status_reason


@pytest.mark.django_db
def test_quality_update_sets_limit_and_rating(post_webhook):
    number = WhatsAppNumberFactory(phone_number="+573001113333")
    value = {"display_phone_number": "573001113333", "event": "FLAGGED", "current_limit": "TIER_2K"}
    post_webhook(field_payload(number.waba_id, "phone_number_quality_update", value))
    number.refresh_from_db()
    assert (number.quality_rating, number.messaging_limit) == ("RED", "TIER_2K")
    assert "phone_number_quality_update FLAGGED: 1 number" in WebhookEvent.objects.get().detail


@pytest.mark.django_db(transaction=True)
def test_sync_number_health_reads_meta_for_active_numbers(sandbox_live):
    number = connected_number()
    idle = WhatsAppNumberFactory(status="code_sent")
    SandboxPhoneNumber.objects.filter(phone_number_id=number.phone_number_id).update(
        quality_rating="YELLOW", name_status="APPROVED"
    )

    assert sync_number_health.delay().get() == 1

    number.refresh_from_db()
    idle.refresh_from_db()
    assert (number.quality_rating, number.name_status) == ("YELLOW", "APPROVED")
    assert number.messaging_limit.startswith("TIER_")
    assert number.health_checked_at is not None
    assert idle.health_checked_at is None


@pytest.mark.django_db(transaction=True)
def test_health_sync_marks_a_revoked_token_disconnected(sandbox_live):
    number = connected_number(connection_type="embedded", business_token="revoked-token")
    assert sync_number_health.delay().get() == 0
    number.refresh_from_db()
    assert (number.status, number.failure_code) == ("disconnected", "reconnect_required")
    assert WhatsAppNumber.objects.get(pk=number.pk).health_checked_at is not None


@pytest.mark.django_db
def test_health_sync_is_scheduled_for_beat():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="whatsapp.sync_number_health")
    assert task.enabled and task.crontab.hour == "*/6"


@pytest.mark.django_db
def test_business_capability_update_sets_the_shared_messaging_limit(post_webhook):
    mine = WhatsAppNumberFactory(connection_type="embedded", waba_id="444000")
    other = WhatsAppNumberFactory(connection_type="embedded", waba_id="555000")
    value = {"max_daily_conversations_per_business": 10000, "max_phone_numbers_per_business": 20}
    post_webhook(field_payload("444000", "business_capability_update", value))
    post_webhook(field_payload("444000", "business_capability_update", {"max_phone_numbers_per_business": 20}))
    mine.refresh_from_db()
    other.refresh_from_db()
    assert mine.messaging_limit == "10000 customers a day" and other.messaging_limit != mine.messaging_limit
    post_webhook(field_payload("444000", "business_capability_update", {"max_daily_conversations_per_business": -1}))
    mine.refresh_from_db()
    assert mine.messaging_limit == "unlimited"


def expiring_embedded_number(days: int = 3) -> WhatsAppNumber:
    """A client's own number (Embedded Signup) whose business token runs out in `days`."""
    return WhatsAppNumberFactory(
        connection_type="embedded", business_token_expires_at=timezone.now() + timedelta(days=days)
    )


def outbox_by_recipient() -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for message in mail.outbox:
        for to in message.to:
            sent.setdefault(to, []).append(message.subject)
    return sent


@pytest.mark.django_db(transaction=True)  # the warnings are queued on commit
def test_each_expiring_token_is_warned_once_by_its_own_task(settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    first, second = expiring_embedded_number(), expiring_embedded_number(days=6)
    expiring_embedded_number(days=30)  # not yet
    WhatsAppNumberFactory(connection_type="embedded", business_token_expires_at=None)  # never expires

    assert warn_expiring_tokens() == 2
    assert warn_expiring_tokens() == 0  # claimed: never twice

    sent = outbox_by_recipient()
    assert sorted(sent) == sorted([first.client.email, second.client.email, "ops@example.com"])
    assert (len(sent[first.client.email]), len(sent[second.client.email]), len(sent["ops@example.com"])) == (1, 1, 2)
    assert first.phone_number in sent[first.client.email][0]
    assert second.phone_number in sent[second.client.email][0]


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_failing_one_warning_does_not_stop_the_others(settings, monkeypatch):
    """The mail server drops every try of one warning: the others are claimed and sent all the same, and the
    failed one is given back after its last retry, so the next health sync sends it once the server is back."""
    settings.EMAIL_BACKEND = "tests.support.FailingSMTPBackend"
    broken, *others = [expiring_embedded_number() for _ in range(3)]
    monkeypatch.setattr(FailingSMTPBackend, "failing", {broken.client.email: -1})

    assert warn_expiring_tokens() == 3  # eager here: each task ran (and retried) inside the call

    sent = outbox_by_recipient()
    assert sorted(sent) == sorted(number.client.email for number in others)
    assert all(len(subjects) == 1 for subjects in sent.values())
    warned = dict(
        WhatsAppNumber.objects.filter(pk__in=[broken.pk, *[n.pk for n in others]]).values_list(
            "pk", "business_token_warned_at"
        )
    )
    assert warned[broken.pk] is None and all(warned[number.pk] for number in others)

    FailingSMTPBackend.failing.clear()  # the server is back
    assert warn_expiring_tokens() == 1
    assert len(outbox_by_recipient()[broken.client.email]) == 1
    assert warn_expiring_tokens() == 0


@pytest.mark.django_db(transaction=True)
def test_a_warning_the_mail_server_drops_once_is_retried_and_sent_once(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.support.FailingSMTPBackend"
    number = expiring_embedded_number()
    monkeypatch.setattr(FailingSMTPBackend, "failing", {number.client.email: 1})

    assert warn_expiring_tokens() == 1

    assert outbox_by_recipient() == {number.client.email: [mail.outbox[0].subject]}
    assert FailingSMTPBackend.failing == {number.client.email: 0}  # it did fail first
    number.refresh_from_db()
    assert number.business_token_warned_at is not None
    assert warn_expiring_tokens() == 0
