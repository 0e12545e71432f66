"""Celery tasks of onboarding: thin wrappers around `onboarding.services` that take ids."""

from __future__ import annotations

from celery import shared_task

from onboarding import services


@shared_task(name="onboarding.notify_existing_account", ignore_result=True, max_retries=3, default_retry_delay=60)
def notify_existing_account(user_id: int, business_name: str) -> bool:
    """Mailed from the worker, so a sign-up with a known e-mail answers as fast as one with a new e-mail."""
    return services.existing_account_notify(user_id=user_id, business_name=business_name)
