"""The Celery application shared by the worker and beat (`celery -A crm worker|beat`)."""

import os

from celery import Celery, signals
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")

app = Celery("crm")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect(weak=False)
@signals.task_postrun.connect(weak=False)
def recycle_database_connections(task=None, **kwargs) -> None:
    """Around every task, what Django does around every request: drop a connection that broke or outlived
    CONN_MAX_AGE and keep the others (settings.CELERY_DB_REUSE_MAX stops Celery from closing them all).
    An eager task runs inside its caller, whose connection and transaction are not ours to touch."""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
