"""Hand work to the Celery workers by task name, once the current transaction has committed.

Services sit below the tasks that call them (a task module imports its services), so a service that
must start more work names the task instead of importing it: imports keep pointing one way. Every
task carries an explicit `name=` (beat rows and queued messages store it), and each app imports its
`tasks` module in `AppConfig.ready`, so the name resolves in every process, web and worker alike.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction

from core import logcontext


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue the named task now (eager in tests, like `.apply_async`)."""
    current_app.tasks[name].apply_async(args=args, countdown=countdown)


def enqueue_on_commit(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue the named task when the caller's transaction commits (at once outside a transaction).

    The log fields bound now (request id, client, number, wamid) travel with the task, not those bound
    when the commit happens."""
    fields = logcontext.current()
    transaction.on_commit(partial(_enqueue_with_fields, name, *args, countdown=countdown, fields=fields))  # names it


def _enqueue_with_fields(name: str, *args: Any, countdown: float | None, fields: dict[str, Any]) -> None:
    with logcontext.bind(**fields):
        enqueue(name, *args, countdown=countdown)


def backlog(queue: str | None = None) -> int | None:
    """Tasks waiting in the broker's queue (the default one unless named); None when the broker cannot say.

    Sweeps that re-queue "lost" work ask first: while tasks still wait, the work may be among them, and
    queuing it again would only lengthen the queue it is waiting in.
    """
    name = queue or current_app.conf.task_default_queue
    try:
        with current_app.connection_for_read() as connection:
            return connection.default_channel.queue_declare(queue=name, passive=True).message_count
    except Exception:  # noqa: BLE001 - a broker that is down or cannot count: the caller decides without it
        return None
