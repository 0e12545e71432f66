"""Celery tasks of onboarding: thin wrappers around one service each, taking ids."""

from __future__ import annotations

from celery import shared_task

from onboarding import services
from onboarding.cleanup import release_expired_numbers as release_expired_numbers_now


@shared_task(name="onboarding.notify_existing_account", ignore_result=True, max_retries=3, default_retry_delay=60)
def notify_existing_account(user_id: int, business_name: str) -> bool:
    """Mailed from the worker, so a sign-up with a known e-mail answers as fast as one with a new e-mail."""
    return services.existing_account_notify(user_id=user_id, business_name=business_name)


@shared_task(name="onboarding.release_expired_numbers", ignore_result=True)
def release_expired_numbers() -> int:
    """Beat: remove hosted numbers that never went live from the operator's WABA (docs/onboarding.md)."""
    return release_expired_numbers_now()
