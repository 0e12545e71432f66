"""A database made before the apps-in-layers refactor (7e029a0) migrates forward to today's code with nothing lost.

The refactor kept every model's table; the data it changes are django-celery-beat's PeriodicTask rows, which named
tasks by module path ('billing.tasks.open_new_month') until billing 0005 and whatsapp 0003 renamed them to the names
the tasks register ('billing.open_new_month'). A row left on an old path is a beat job no worker knows, so this test
fails if a rename migration goes missing or misses a task.
"""

import datetime

import celery
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_celery_beat.models import PeriodicTask

from ai.models import KnowledgeEntry, Persona
from billing.models import CountedMessage, UsagePeriod
from tenants.models import Client, Membership, WhatsAppNumber
from whatsapp.models import Contact, Conversation, Message

# The project's latest migrations at 7e029a0; other apps stay at their latest.
BEFORE_REFACTOR = {
    "tenants": "0004_health_sync_schedule",
    "whatsapp": "0002_conversation_inbox_order",
    "billing": "0004_settle_index",
    "crm": "0001_foundation_periodic_tasks",
    "ai": "0002_persona_handoff_and_reply_log",
    "sandbox": "0003_free_entry_point",
    # Apps added since then: not installed yet.
    "audit": None,
    "onboarding": None,
    "integrations": None,
    "privacy": None,
}
# Just before the migrations that schedule beat jobs: re-applying them writes the rows the old code wrote, even
# when an earlier transactional test has flushed the ones the test database was created with.
BEFORE_SCHEDULES = {
    **BEFORE_REFACTOR,
    "tenants": "0003_number_failure_code",
    "billing": "0002_ledger_alerts_prices",
    "crm": None,
}

RENAMED_TASKS = {
    "billing.tasks.open_new_month": "billing.open_new_month",
    "billing.tasks.check_usage_alerts": "billing.check_usage_alerts",
    "billing.tasks.settle_template_categories": "billing.settle_template_categories",
    "whatsapp.tasks.sweep_stale_sends": "whatsapp.sweep_stale_sends",
    "tenants.tasks.sync_number_health": "whatsapp.sync_number_health",
}

# Beat jobs of apps added since the refactor.
NEW_JOBS = {
    "audit: purge expired entries",
    "onboarding: release expired hosted numbers",
    "integrations: due webhook deliveries",
    "integrations: purge old webhook deliveries",
    "whatsapp: answer messages whose reply was lost",
    "privacy: apply message retention",
}


def migrate_to(apps_at: dict[str, str | None]) -> list[tuple[str, str | None]]:
    """Migrate the named apps to the given migration (None: none applied), every other app to its latest."""
    executor = MigrationExecutor(connection)
    targets = [(app, apps_at.get(app, name)) for app, name in executor.loader.graph.leaf_nodes()]
    executor.migrate(targets)
    return targets


def beat_tasks() -> dict[str, str]:
    return dict(PeriodicTask.objects.values_list("name", "task"))


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_refactor_migrates_forward_without_losing_data():
    try:
        migrate_to(BEFORE_SCHEDULES)
        at_refactor = [target for target in migrate_to(BEFORE_REFACTOR) if target[1] is not None]
        old = MigrationExecutor(connection).loader.project_state(at_refactor).apps

        user = old.get_model("auth", "User").objects.create(username="owner@example.com", password="!")
        client = old.get_model("tenants", "Client").objects.create(
            name="Ana", business_name="Café Ana", email="ana@example.com", monthly_free_messages=300
        )
        membership = old.get_model("tenants", "Membership").objects.create(user=user, client=client, role="owner")
        number = old.get_model("tenants", "WhatsAppNumber").objects.create(
            client=client,
            phone_number="+573001112233",
            phone_number_id="1099",
            status="active",
            pin="246810",
            business_token="EAAG-secret",
        )
        contact = old.get_model("whatsapp", "Contact").objects.create(
            client=client, wa_id="573009998877", profile_name="Luis"
        )
        conversation = old.get_model("whatsapp", "Conversation").objects.create(
            client=client, number=number, contact=contact
        )
        message_model = old.get_model("whatsapp", "Message")
        inbound = message_model.objects.create(
            client=client, conversation=conversation, direction="in", text="¿Abren hoy?", status="received"
        )
        outbound = message_model.objects.create(
            client=client,
            conversation=conversation,
            direction="out",
            text="Sí, hasta las 8.",
            status="delivered",
            sent_by="ai",
            reply_to=inbound,
            wamid="wamid.OUT1",
            pricing_category="service",
            pricing_type="regular",
            billable=True,
        )
        period = old.get_model("billing", "UsagePeriod").objects.create(
            client=client, number=number, month=datetime.date(2026, 11, 1), allowance=300, service_messages=1
        )
        old.get_model("billing", "CountedMessage").objects.create(
            message=outbound, client=client, period=period, category="service", country_code="57"
        )
        persona = old.get_model("ai", "Persona").objects.create(client=client, assistant_name="Sofi")
        entry = old.get_model("ai", "KnowledgeEntry").objects.create(
            client=client, question="¿Horario?", answer="9 a 20"
        )
        old_beat = old.get_model("django_celery_beat", "PeriodicTask")
        old_beat.objects.create(  # an operator's own row on an old path is renamed too
            name="operator: nightly health",
            task="tenants.tasks.sync_number_health",
            crontab=old_beat.objects.get(task="tenants.tasks.sync_number_health").crontab,
        )
        before = beat_tasks()
        assert set(before.values()) == set(RENAMED_TASKS)  # the old migrations wrote module paths

        migrate_to({})

        client = Client.objects.get(pk=client.pk)
        assert (client.name, client.business_name, client.monthly_free_messages) == ("Ana", "Café Ana", 300)
        membership = Membership.objects.get(pk=membership.pk)
        assert (membership.client, membership.user.username, membership.role) == (client, "owner@example.com", "owner")
        number = WhatsAppNumber.objects.get(pk=number.pk)
        assert (number.client, number.phone_number, number.status) == (client, "+573001112233", "active")
        assert (number.pin, number.business_token) == ("246810", "EAAG-secret")
        with connection.cursor() as cursor:  # still ciphertext at rest
            cursor.execute(f"SELECT pin FROM {WhatsAppNumber._meta.db_table} WHERE id = %s", [number.pk])
            assert cursor.fetchone()[0] not in ("", "246810")
        conversation = Conversation.objects.get(pk=conversation.pk)
        assert (conversation.number, conversation.contact) == (number, Contact.objects.get(pk=contact.pk))
        assert conversation.contact.profile_name == "Luis"
        assert list(
            Message.objects.for_client(client).values_list("pk", "direction", "text", "status", "reply_to")
        ) == [
            (inbound.pk, "in", "¿Abren hoy?", "received", None),
            (outbound.pk, "out", "Sí, hasta las 8.", "delivered", inbound.pk),
        ]
        counted = CountedMessage.objects.get(message_id=outbound.pk)
        assert (counted.period, counted.category, counted.country_code) == (
            UsagePeriod.objects.get(pk=period.pk, number=number, allowance=300, service_messages=1),
            "service",
            "57",
        )
        # The ledger took what pricing needs from the message (billing no longer reads message rows).
        assert (counted.pricing_category, counted.pricing_type, counted.billable) == ("service", "regular", True)
        assert counted.sent_at == outbound.created_at
        assert Persona.objects.get(pk=persona.pk, client=client).assistant_name == "Sofi"
        assert KnowledgeEntry.objects.get(pk=entry.pk, client=client).answer == "9 a 20"

        after = beat_tasks()
        # Every old job now names its task's registered name; jobs added since come on top.
        assert {name: after[name] for name in before} == {name: RENAMED_TASKS[task] for name, task in before.items()}
        assert set(after) - set(before) == {"whatsapp: apply stale webhook deliveries", *NEW_JOBS}
        assert set(after.values()) <= set(celery.current_app.tasks)  # every beat job names a registered task
    finally:
        migrate_to({})
