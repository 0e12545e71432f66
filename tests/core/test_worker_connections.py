"""A worker keeps its PostgreSQL connection from task to task (a new one costs a backend fork on the server),
and still drops one that broke or outlived CONN_MAX_AGE, as Django does around requests."""

from __future__ import annotations

import time

import pytest
from celery import signals
from celery.fixups.django import DjangoWorkerFixup
from django.db import connection

from crm.celery import app
from whatsapp.tasks import apply_webhook_events

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def persistent_connections():
    """Production's CONN_MAX_AGE (the test settings open a connection per use)."""
    before = connection.settings_dict["CONN_MAX_AGE"]
    connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = 60
    yield
    connection.settings_dict["CONN_MAX_AGE"] = before
    connection.close()


def around_a_task() -> None:
    """What a worker does around one task: Celery's own Django fixup and the project's handlers."""
    fixup = DjangoWorkerFixup(app)
    task = apply_webhook_events  # any task; outside a worker its request is not eager
    signals.task_prerun.send(sender=task, task_id="t", task=task, args=(), kwargs={})
    fixup.on_task_prerun(task)
    fixup.on_task_postrun(task)
    signals.task_postrun.send(sender=task, task_id="t", task=task, args=(), kwargs={}, retval=None, state="SUCCESS")


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def test_consecutive_tasks_share_one_database_connection():
    first = backend_pid()
    for _ in range(3):
        around_a_task()
    assert backend_pid() == first


def test_a_connection_past_its_age_is_replaced_between_tasks():
    first = backend_pid()
    connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE ran out
    around_a_task()
    assert backend_pid() != first
