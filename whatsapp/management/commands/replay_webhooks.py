"""Apply stored webhook deliveries again, by id or by time range (never a second reply to anyone)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from whatsapp.models import WebhookEvent
from whatsapp.services.webhooks import webhook_events_replay


class Command(BaseCommand):
    help = (
        "Apply stored webhook deliveries again. Safe to repeat: stored messages are skipped (never answered "
        "twice) and statuses only move forward. Example: replay_webhooks --since 2026-12-01T08:00 --failed"
    )

    def add_arguments(self, parser):
        parser.add_argument("--id", dest="ids", type=int, action="append", default=[], help="a delivery's id (repeat)")
        parser.add_argument("--since", help="received at or after (ISO 8601, TIME_ZONE if no offset)")
        parser.add_argument("--until", help="received before (ISO 8601)")
        parser.add_argument("--failed", action="store_true", help="only deliveries that failed or partly failed")

    def handle(self, *args, ids: list[int], since: str | None, until: str | None, failed: bool, **options):
        if not (ids or since or until):
            raise CommandError("Name deliveries with --id, or a time range with --since and/or --until.")
        events = WebhookEvent.objects.all()
        if ids:
            events = events.filter(pk__in=ids)
        for flag, value, lookup in (("--since", since, "received_at__gte"), ("--until", until, "received_at__lt")):
            if value:
                moment = parse_datetime(value)
                if moment is None:
                    raise CommandError(f"{flag} must be an ISO 8601 date and time, e.g. 2026-12-01T08:00.")
                if timezone.is_naive(moment):
                    moment = timezone.make_aware(moment)  # read in TIME_ZONE
                events = events.filter(**{lookup: moment})
        if failed:
            events = events.filter(outcome__in=[WebhookEvent.Outcome.FAILED, WebhookEvent.Outcome.PARTIAL])
        count = webhook_events_replay(events=events)
        self.stdout.write(f"{count} deliveries replayed.")
