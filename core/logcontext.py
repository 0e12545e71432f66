"""What every log line says about the work it belongs to: request id, client, number, wamid and task id.

The fields live in one context variable, so a service adds what it knows (`bind(client_id=…)`) without
passing a logger down, and `LogContextFilter` copies them onto every record: the JSON formatter
(`LOG_FORMAT=json`) prints them as keys, the plain one ignores them. The web side sets the request id
(`RequestIdMiddleware`: the caller's `X-Request-ID` when it is sane, a new one otherwise, echoed in the
response). A task queued while a request or a task is running carries the fields in a message header,
read back by the worker before the task runs (`connect_celery_signals`), so a customer's message can be
followed from the webhook's request to the reply's send by one request id.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest, HttpResponse

FIELDS = ("request_id", "client_id", "phone_number_id", "wamid", "task_id", "task_name")
HEADER = "crm_log_context"  # the Celery message header carrying the fields to the worker
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")  # anything else is replaced, never logged

_context: ContextVar[dict[str, Any]] = ContextVar("crm_log_context", default={})  # noqa: B039 (never mutated)


def current() -> dict[str, Any]:
    """The fields set for the work in progress (a copy)."""
    return dict(_context.get())


@contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add fields for the duration of the block (None values are left out); nested blocks add to outer ones."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v not in (None, "")}})
    try:
        yield
    finally:
        _context.reset(token)


def replace(fields: dict[str, Any]):
    """Set exactly these fields (a task starting); returns the token for `restore`."""
    return _context.set({k: str(v) for k, v in fields.items() if k in FIELDS and v not in (None, "")})


def restore(token) -> None:
    _context.reset(token)


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    """The caller's id when it is a sane token (a proxy's or a client's), else a new one."""
    if value and _SANE_REQUEST_ID.match(value):
        return value
    return new_request_id()


class LogContextFilter(logging.Filter):
    """Copy the bound fields onto the record (as attributes the JSON formatter prints as keys)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for key, value in _context.get().items():
            if not hasattr(record, key):
                setattr(record, key, value)
        return True


class RequestIdMiddleware:
    """Give each request an id for its log lines and the tasks it queues, and echo it as `X-Request-ID`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = _context.set({"request_id": request_id})
        try:
            response = self.get_response(request)
        finally:
            _context.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response


def connect_celery_signals() -> None:
    """Carry the fields from the process that queues a task to the worker that runs it, and add the task's id.

    `before_task_publish` writes the current fields into the message's headers (a header of our own, so
    Celery's own are untouched); `task_prerun` sets them, plus task_id and task_name, for the run, and
    `task_postrun` puts back what was there (an eager task runs inside its caller).
    """
    from celery import signals

    tokens: dict[str, Any] = {}

    @signals.before_task_publish.connect(weak=False)
    def _publish(headers: dict | None = None, **_: Any) -> None:
        fields = {k: v for k, v in _context.get().items() if k not in ("task_id", "task_name")}
        if headers is not None and fields and HEADER not in headers:
            headers[HEADER] = fields

    @signals.task_prerun.connect(weak=False)
    def _prerun(task_id: str | None = None, task=None, **_: Any) -> None:
        carried = _carried_fields(task)
        fields = {**_context.get(), **carried, "task_id": task_id, "task_name": getattr(task, "name", None)}
        tokens[task_id or ""] = replace(fields)

    @signals.task_postrun.connect(weak=False)
    def _postrun(task_id: str | None = None, **_: Any) -> None:
        token = tokens.pop(task_id or "", None)
        if token is not None:
            with suppress(ValueError):  # set in another context (a thread pool switched): nothing to put back
                restore(token)


def _carried_fields(task) -> dict[str, Any]:
    request = getattr(task, "request", None)
    if request is None:
        return {}
    carried = getattr(request, HEADER, None) or (getattr(request, "headers", None) or {}).get(HEADER)
    return carried if isinstance(carried, dict) else {}
