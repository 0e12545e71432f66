"""Hand work to the Celery workers by task name, once the current transaction has committed.

Services sit below the tasks that call them (a task module imports its services), so a service that
must start more work names the task instead of importing it: imports keep pointing one way. Every
task carries an explicit `name=` (beat rows and queued messages store it), and each app imports its
`tasks` module in `AppConfig.ready`, so the name resolves in every process, web and worker alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from celery import current_app
from django.db import transaction
from kombu.exceptions import ChannelError

from core import logcontext

_together = threading.local()


def enqueue(name: str, *args: Any, countdown: float | None = None) -> None:
    """Queue the named task now (eager in tests, like `.apply_async`), or at the end of the enclosing
    `published_together` block."""
    current_app.tasks[name].apply_async(args=args, countdown=countdown, producer=getattr(_together, "producer", None))


@contextmanager
def published_together() -> Iterator[None]:
    """Tasks queued inside the block reach the broker together when it ends: on Redis one pipelined round trip
    for all of them (kombu's `Producer.batch`), where each task alone cost a round trip and a new Redis client,
    over half a millisecond of CPU. A batch of deliveries queues a reply task per customer message.

    If the block raises, what it queued is dropped, like the transaction that queued it on commit. A broker that
    fails when the block ends raises then, after the block's work is committed, as a single publish did; the
    sweeps queue what was lost again (the answer sweep, a reply task). Brokers without batches (the filesystem
    one of `make run`) publish at once, as do eager tasks; an inner block joins the outer one.
    """
    if runs_at_once() or getattr(_together, "producer", None) is not None:
        yield
        return
    with current_app.producer_or_acquire() as producer, producer.batch():
        _together.producer = producer
        try:
            yield
        finally:
            _together.producer = None


def runs_at_once() -> bool:
    """True when queued tasks run inside the caller, at once (CELERY_TASK_ALWAYS_EAGER, the tests): a countdown
    then means nothing, so work that relies on a task running later must not be skipped."""
    return bool(current_app.conf.task_always_eager)


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
    """Tasks waiting in the broker (in every queue the workers consume, unless one is named); None when the
    broker cannot say.

    Sweeps that re-queue "lost" work ask first: while tasks still wait, the work may be among them, and
    queuing it again would only lengthen the queue it is waiting in.
    """
    names = [queue] if queue else [q.name for q in current_app.conf.task_queues or []]
    try:
        with current_app.connection_for_read() as connection:
            return sum(_waiting(connection, name) for name in names or [current_app.conf.task_default_queue])
    except Exception:  # noqa: BLE001 - a broker that is down or cannot count: the caller decides without it
        return None


def _waiting(connection, name: str) -> int:
    # A channel of its own: on AMQP a refused passive declare closes the channel it was made on.
    with connection.channel() as channel:
        try:
            return channel.queue_declare(queue=name, passive=True).message_count
        except ChannelError:  # never declared on this broker: nothing has been queued in it
            return 0
