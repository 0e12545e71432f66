"""Privacy's periodic job: each client's message retention, applied every night."""

from celery import shared_task

from privacy import services


@shared_task(name="privacy.enforce_retention", ignore_result=True)
def enforce_retention() -> int:
    return len(services.retention_enforce())
