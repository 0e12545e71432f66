"""Billing's Celery tasks: thin, idempotent, scheduled by django-celery-beat (see migration 0003)."""

from __future__ import annotations

from celery import shared_task

from billing import alerts, services


@shared_task(name="billing.open_new_month", ignore_result=True)
def open_new_month() -> int:
    """Beat, 00:00 on day 1 in TIME_ZONE: open the month for every number (new rows = reset counters).

    Late, repeated or missed runs are harmless: counting opens a missing period on first use and
    this task never touches a row that exists.
    """
    return services.open_periods()


@shared_task(name="billing.check_usage_alerts", ignore_result=True)
def check_usage_alerts() -> int:
    return alerts.sweep_usage_alerts()


@shared_task(name="billing.settle_template_categories", ignore_result=True)
def settle_template_categories() -> int:
    return services.settle_template_categories()


@shared_task(name="billing.send_usage_alert", bind=True, ignore_result=True, max_retries=5, default_retry_delay=60)
def send_usage_alert(self, alert_id: int) -> None:
    try:
        alerts.send_usage_alert_email(alert_id=alert_id)
    except OSError as error:  # SMTP down: try again later
        raise self.retry(exc=error) from error
