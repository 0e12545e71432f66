"""Thin Celery wrappers around integrations.services; every delivery's HTTP call runs here, in a worker."""

from celery import shared_task

from integrations import services


@shared_task(name="integrations.emit_events", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def emit_events(items: list) -> int:
    return len(services.events_emit(items))


@shared_task(name="integrations.deliver_webhook", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_webhook(delivery_id: int) -> None:
    services.delivery_attempt(delivery_id)


@shared_task(name="integrations.sweep_deliveries", ignore_result=True)
def sweep_deliveries() -> int:
    return services.deliveries_sweep()


@shared_task(name="integrations.notify_endpoint_disabled", ignore_result=True)
def notify_endpoint_disabled(endpoint_id: int) -> None:
    services.notify_endpoint_disabled(endpoint_id=endpoint_id)


@shared_task(name="integrations.purge_deliveries", ignore_result=True)
def purge_deliveries() -> int:
    return services.deliveries_purge()
