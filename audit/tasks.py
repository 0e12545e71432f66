"""Audit's periodic job: entries older than the retention period are deleted."""

from celery import shared_task

from audit.services import audit_purge_expired


@shared_task(name="audit.purge_expired", ignore_result=True)
def purge_expired() -> int:
    return audit_purge_expired()
