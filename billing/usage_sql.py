"""Usage counting as parts of a caller's single PostgreSQL statement: the hot path's one round trip.

Counting one accepted reply the ORM way costs a dozen statements (find or open the month's row, insert the
ledger row in a savepoint, increment, read back for alerts). The messaging pipeline instead sends one
statement whose first part flips its own row (the message's `usage_counted`, or the inbound messages just
inserted) and whose later parts, written here, count what that first part returned. Billing still authors
every write to its tables (one writer per table); the caller only names the part that gates them. A
statement is atomic on its own, so the gate, the counters and the ledger row commit together or not at all.

SQLite and the rarer cases (templates, whose category Meta settles later) keep the ORM path in
`billing.services`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import PositiveIntegerField

from billing.alerts import raise_crossed_alerts
from billing.models import Category, CountedMessage, UsagePeriod
from billing.months import month_start
from billing.services import recipient_country_code
from tenants.models import WhatsAppNumber

PERIODS = UsagePeriod._meta.db_table
LEDGER = CountedMessage._meta.db_table

# Every counter of a period row (its count fields, the allowance aside), in the model's order: a new row
# starts them at 0 and the statements below name the ones they move.
_COUNTERS = tuple(
    f.column for f in UsagePeriod._meta.concrete_fields if isinstance(f, PositiveIntegerField) and f.name != "allowance"
)


def _period_upsert(*, select: str, moved: list[str]) -> str:
    """INSERT … ON CONFLICT (number, month) DO UPDATE: opens the month on first use, else adds to its counters.

    `select` yields (client_id, number_id, month, allowance, then every counter of _COUNTERS in order).
    Callers count in the current month, whose stored allowance follows the number's settings (as
    usage_period_for keeps it).
    """
    updates = ", ".join(f"{name} = {PERIODS}.{name} + EXCLUDED.{name}" for name in moved)
    return (
        f"INSERT INTO {PERIODS} (client_id, number_id, month, allowance, {', '.join(_COUNTERS)}, opened_at, "
        f"updated_at) SELECT *, now(), now() FROM ({select}) AS counted "
        f"ON CONFLICT (number_id, month) DO UPDATE SET {updates}, updated_at = EXCLUDED.updated_at, "
        "allowance = EXCLUDED.allowance"
    )


def _counters(values: dict[str, str]) -> str:
    return ", ".join(values.get(name, "0") for name in _COUNTERS)


@dataclass(frozen=True)
class OutboundCount:
    """The CTEs that count one outbound service message gated by the caller's CTE `gate`, and their params.

    `gate` returns at most one row with the message's `id`, `sent_at`, `pricing_category`, `pricing_type` and
    `billable`; when it returns none (the message was counted before) nothing is written. The statement's
    final SELECT reads `period_id, used, allowance` from `counted_usage` (no row: nothing counted).
    """

    sql: str
    params: list[Any]
    month: date
    select: str = "SELECT id AS period_id, service_messages AS used, allowance FROM counted_usage"


def outbound_count(*, gate: str, number: WhatsAppNumber, sent_by: str, wa_id: str, user_id: str) -> OutboundCount:
    """Parts of a statement that count one free-form (service) message the number sent now."""
    month = month_start()
    moved = {"service_messages": "1"}
    if sent_by in ("ai", "agent"):
        moved[f"{sent_by}_replies"] = "1"
    upsert = _period_upsert(select=f"SELECT %s, %s, %s::date, %s, {_counters(moved)} FROM {gate}", moved=list(moved))
    sql = (
        f"counted_usage AS ({upsert} RETURNING id, client_id, service_messages, allowance), "
        f"counted_ledger AS (INSERT INTO {LEDGER} (message_id, client_id, period_id, category, country_code, "
        "counted_at, sent_at, pricing_category, pricing_type, billable) "
        "SELECT g.id, u.client_id, u.id, %s, %s, now(), g.sent_at, g.pricing_category, g.pricing_type, g.billable "
        f"FROM {gate} g, counted_usage u ON CONFLICT DO NOTHING)"
    )
    params = [
        number.client_id,
        number.pk,
        month,
        number.monthly_allowance,
        Category.SERVICE,
        recipient_country_code(wa_id, user_id),
    ]
    return OutboundCount(sql=sql, params=params, month=month)


def inbound_count(*, gate: str, numbers: list[WhatsAppNumber]) -> tuple[str, list[Any]]:
    """A CTE `counted_inbound` that counts the inbound messages `gate` returns (one row each, with their
    `number_id` and `client_id`) in their numbers' current month: one upsert per number for the whole batch.
    `numbers`: every number the gate may name (their allowances open a new month's row)."""
    select = (
        f"SELECT g.client_id, g.number_id, %s::date, a.allowance, {_counters({'inbound_messages': 'count(*)'})} "
        f"FROM {gate} g JOIN unnest(%s::bigint[], %s::integer[]) AS a (number_id, allowance) "
        "ON a.number_id = g.number_id GROUP BY g.client_id, g.number_id, a.allowance"
    )  # arrays, not a VALUES row per number: the text stays the same whatever the batch holds
    params: list[Any] = [month_start(), [n.pk for n in numbers], [n.monthly_allowance for n in numbers]]
    return f"counted_inbound AS ({_period_upsert(select=select, moved=['inbound_messages'])})", params


def after_outbound_count(row: tuple[int, int, int] | None) -> None:
    """What follows a counted message outside the statement: the usage alerts it crossed, if any."""
    if row is not None:
        period_id, used, allowance = row
        raise_crossed_alerts(period_id=period_id, just_counted=1, used=used, allowance=allowance)
