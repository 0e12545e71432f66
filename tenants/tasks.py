"""Celery tasks of tenants: thin wrappers that take ids (or nothing) and call one service."""

from __future__ import annotations

from celery import shared_task

from tenants import health


@shared_task(ignore_result=True)
def sync_number_health() -> int:
    """Beat task: refresh quality, name status and messaging limit of every active number from Meta."""
    return health.sync_all_numbers()


@shared_task(ignore_result=True)
def sync_one_number_health(number_id: int) -> bool:
    return health.sync_number(number_id=number_id)
