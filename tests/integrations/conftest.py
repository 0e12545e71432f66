"""Fixtures of the outgoing webhook tests: a local receiver and running our queued tasks by hand."""

from __future__ import annotations

import pytest
from django.test import TestCase

from tests.integrations.receiver import start_receiver, stop_receiver
from tests.whatsapp.api_support import api_for  # noqa: F401  (fixture)


@pytest.fixture
def receiver():
    """`receiver([500, 200])` → a started local receiver answering those statuses in turn."""
    started = []

    def start(statuses=None, **kwargs):
        started.append(start_receiver(statuses, **kwargs))
        return started[-1]

    yield start
    for one in started:
        stop_receiver(one)


def run_ours(callbacks) -> list[str]:
    """Run the captured on-commit callbacks that queue integrations tasks (eagerly), and what those queue in
    turn; the pipeline's own tasks (AI replies, sends) are left out. Returns the task names run."""
    ran = []
    pending = list(callbacks)
    while pending:
        callback = pending.pop(0)
        name = callback.args[0] if getattr(callback, "args", None) else ""
        if not str(name).startswith("integrations."):
            continue
        with TestCase.captureOnCommitCallbacks() as more:
            callback()
        ran.append(name)
        pending.extend(more)
    return ran


@pytest.fixture
def other_number(db):
    """A second client's number: nothing of the first client's may reach it."""
    from tests.factories import connected_number

    return connected_number(client__business_name="Otra Empresa")
