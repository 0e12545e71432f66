"""Reads the portal needs that other apps do not offer; each takes the client and filters with `.for_client`."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from billing.models import UsagePeriod
from billing.months import billing_tz, day_bounds, local_today, month_start, next_month
from billing.selectors import usage_for_month
from core.exceptions import NotFoundError
from tenants.models import ApiKey, Client, Invitation, Membership, WhatsAppNumber
from whatsapp.models import Conversation, CustomerRequest, Message, MessageTemplate
from whatsapp.selectors import approved_templates as waba_approved_templates
from whatsapp.selectors import conversation_list, customer_request_counts, number_list, template_list, unread_counts

HOME_LIST_SIZE = 5


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def inbox_conversations(
    *, client: Client, query: str = "", owner: str = "", needs_attention: bool | None = None
) -> QuerySet[Conversation]:
    """The inbox list: conversations that need a person first, then latest activity first; `query` matches the
    contact's name, username or any part of the phone."""
    conversations = conversation_list(client=client, owner=owner or None, needs_attention=needs_attention)
    query = query.strip()
    if query:
        condition = Q(contact__profile_name__icontains=query) | Q(contact__username__iexact=query.lstrip("@"))
        if _digits(query):
            condition |= Q(contact__wa_id__contains=_digits(query))
        conversations = conversations.filter(condition)
    return conversations.order_by(F("needs_attention").desc(), F("last_message_at").desc(nulls_last=True), "-id")


def todays_conversations(*, client: Client) -> QuerySet[Conversation]:
    """Conversations with at least one message today in TIME_ZONE (the dashboard's `conversations_today`)."""
    start, end = day_bounds()
    today = Message.objects.for_client(client).filter(created_at__gte=start, created_at__lt=end)
    return conversation_list(client=client).filter(pk__in=today.values("conversation_id"))


def home_summary(*, client: Client, user) -> dict[str, Any]:
    """The home page: numbers with this month's free messages, who needs a person, today, AI replies."""
    usage = {row["number_id"]: row for row in usage_for_month(client=client, month=month_start())}
    numbers = [{"number": n, "usage": usage.get(n.pk)} for n in number_list(client=client)]
    needs_person = conversation_list(client=client, needs_attention=True)
    today = todays_conversations(client=client)
    return {
        "numbers": numbers,
        "has_active_number": any(n["number"].is_active for n in numbers),
        "needs_person_count": needs_person.count(),
        "needs_person": conversation_rows(client=client, user=user, conversations=list(needs_person[:HOME_LIST_SIZE])),
        "today_count": today.count(),
        "today": conversation_rows(client=client, user=user, conversations=list(today[:HOME_LIST_SIZE])),
        "ai_replies_month": sum(row["ai_replies"] for row in usage.values()),
        # Requests customers left that nobody has confirmed yet: the next thing to act on after a handoff.
        "new_requests": customer_request_counts(client=client)[CustomerRequest.Status.NEW],
    }


def conversation_rows(*, client: Client, user, conversations: list[Conversation]) -> list[dict[str, Any]]:
    """Conversations with their last message (one query, by the id `conversation_list` annotates) and how many
    customer messages arrived since `user` last had the thread open (one grouped query; each person has their
    own read mark)."""
    ids = [c.last_message_id for c in conversations if getattr(c, "last_message_id", None)]
    last = {m.conversation_id: m for m in Message.objects.for_client(client).filter(pk__in=ids)}
    unread = unread_counts(client=client, user=user, conversation_ids=[c.pk for c in conversations])
    return [{"conversation": c, "last": last.get(c.pk), "unread": unread.get(c.pk, 0)} for c in conversations]


def number_get(*, client: Client, number_id: int) -> WhatsAppNumber:
    """One of the client's numbers; another client's id and a missing id are the same 404."""
    number = number_list(client=client).filter(pk=number_id).first()
    if number is None:
        raise NotFoundError("No such number.")
    return number


def usage_months(*, client: Client, count: int = 6) -> list[date]:
    """The current month and previous months that have usage, newest first, at most `count`."""
    current = month_start()
    earlier = (
        UsagePeriod.objects.for_client(client)
        .filter(month__lt=current)
        .values_list("month", flat=True)
        .distinct()
        .order_by("-month")[: count - 1]
    )
    return [current, *earlier]


USAGE_CSV_HEADER = [
    "month",
    "phone_number",
    "allowance",
    "free_messages_used",
    "free_messages_remaining",
    "overage",
    "ai_replies",
    "agent_replies",
    "template_marketing",
    "template_utility",
    "template_authentication",
    "template_uncategorized",
    "inbound_messages",
]


def usage_csv(*, client: Client, month: date) -> str:
    """The client's own usage for a month, one row per number (no operator prices or markup)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(USAGE_CSV_HEADER)
    for row in usage_for_month(client=client, month=month):
        templates = row["templates"]
        writer.writerow(
            [
                row["month"],
                row["phone_number"],
                row["allowance"],
                row["free_messages_used"],
                row["free_messages_remaining"],
                row["overage"],
                row["ai_replies"],
                row["agent_replies"],
                templates["marketing"],
                templates["utility"],
                templates["authentication"],
                templates["uncategorized"],
                row["inbound_messages"],
            ]
        )
    return out.getvalue()


def api_key_list(*, client: Client) -> QuerySet[ApiKey]:
    return ApiKey.objects.for_client(client).order_by("revoked_at", "-created_at")


def api_key_get(*, client: Client, key_id: int) -> ApiKey:
    key = api_key_list(client=client).filter(pk=key_id).first()
    if key is None:
        raise NotFoundError("No such API key.")
    return key


def operator_month_usage() -> dict[int, dict[str, int]]:
    """Operator dashboard only (staff, every tenant on purpose): this month's counted sends per client."""
    rows = (
        UsagePeriod.objects.filter(month=month_start())
        .values("client_id")
        .annotate(ai=Sum("ai_replies"), agent=Sum("agent_replies"), templates=Sum("template_messages"))
        .order_by()
    )
    return {row["client_id"]: {k: row[k] or 0 for k in ("ai", "agent", "templates")} for row in rows}


def approved_templates(*, number: WhatsAppNumber) -> list[dict[str, str]]:
    """The approved templates of the number's WhatsApp Business Account, to suggest in the template form.

    Read from the local rows (whatsapp.services.message_templates keeps them in step with Meta by sync and
    webhook): no Graph call inside the page. Before the first sync the list is empty and the form still
    takes a typed name.
    """
    return [
        {
            "name": t.name,
            "language": t.language,
            "category": t.category,
            "category_label": t.category_label,
            "quality": t.quality_score,
            "quality_label": t.quality_label,
            "body": t.body_text,
        }
        for t in waba_approved_templates(waba_id=number.waba_id, client=number.client)
    ]


def templates_by_number(*, client: Client, numbers: list[WhatsAppNumber]) -> dict[int, list[MessageTemplate]]:
    """Each number's templates (its WABA's, any status, with the category and quality Meta last gave them), for
    the numbers page: read from the local rows in one query, no Graph call."""
    rows = list(template_list(client=client, waba_ids=sorted({n.waba_id for n in numbers})))
    return {n.pk: [t for t in rows if t.waba_id == n.waba_id] for n in numbers}


def message_with_media(*, client: Client, message_id: int) -> Message:
    """One of the client's inbound messages with a stored media file; anything else is the same 404."""
    message = Message.objects.for_client(client).filter(pk=message_id).exclude(media_file="").first()
    if message is None:
        raise NotFoundError("No such file.")
    return message


DAILY_DAYS = 30


def _daily_buckets(messages: QuerySet[Message], group: str, first: date) -> dict[tuple[Any, date], dict[str, int]]:
    """Messages since `first` counted per (`group` value, local day) as received / ai / agent / other."""
    start, _end = day_bounds(first)
    counts: dict[tuple[Any, date], dict[str, int]] = {}
    rows = (
        messages.filter(created_at__gte=start)
        .annotate(day=TruncDate("created_at", tzinfo=billing_tz()))
        .values(group, "day", "direction", "sent_by")
        .annotate(n=Count("id"))
    )
    for row in rows:
        key = "received" if row["direction"] == Message.Direction.INBOUND else (row["sent_by"] or "other")
        key = key if key in ("received", "ai", "agent") else "other"
        bucket = counts.setdefault((row[group], row["day"]), {})
        bucket[key] = bucket.get(key, 0) + row["n"]
    return counts


def _days(counts: dict, key: Any, first: date, days: int) -> list[dict[str, Any]]:
    return [{"day": first + timedelta(days=i), **counts.get((key, first + timedelta(days=i)), {})} for i in range(days)]


def daily_messages(*, client: Client, days: int = DAILY_DAYS) -> dict[int, list[dict[str, Any]]]:
    """Per number, the last `days` days in TIME_ZONE (oldest first): messages received, AI replies, agent
    replies and other sends (system, templates the API sent without a person) per day. One grouped query."""
    first = local_today() - timedelta(days=days - 1)
    counts = _daily_buckets(Message.objects.for_client(client), "conversation__number_id", first)
    return {number.pk: _days(counts, number.pk, first, days) for number in number_list(client=client)}


def operator_daily_messages(*, client_ids: list[int], days: int = DAILY_DAYS) -> dict[int, list[dict[str, Any]]]:
    """Operator dashboard only (staff, every tenant on purpose): the same days per client. One grouped query."""
    first = local_today() - timedelta(days=days - 1)
    counts = _daily_buckets(Message.objects.filter(client_id__in=client_ids), "client_id", first)
    return {client_id: _days(counts, client_id, first, days) for client_id in client_ids}


def allowance_run_out(usage_row: dict[str, Any], *, today: date | None = None) -> date | None:
    """The day this month's free messages run out at this month's pace so far (None: they last the month)."""
    today = today or local_today()
    used, remaining = usage_row["service_messages"], usage_row["free_messages_remaining"]
    if not used or not remaining:
        return None
    pace = used / today.day  # free messages used per day since the 1st
    day = today + timedelta(days=math.ceil(remaining / pace))
    return day if day < next_month(month_start()) else None


def team_members(*, client: Client) -> QuerySet[Membership]:
    return Membership.objects.for_client(client).select_related("user").order_by("role", "user__email")


def pending_invitations(*, client: Client) -> list[Invitation]:
    invitations = Invitation.objects.for_client(client).filter(accepted_at__isnull=True, revoked_at__isnull=True)
    return [i for i in invitations.order_by("-created_at") if i.is_pending()]


def membership_get(*, client: Client, membership_id: int) -> Membership:
    membership = team_members(client=client).filter(pk=membership_id).first()
    if membership is None:
        raise NotFoundError("No such member.")
    return membership


def invitation_get(*, client: Client, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.for_client(client).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFoundError("No such invitation.")
    return invitation
