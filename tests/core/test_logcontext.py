"""The request id and log fields in one process (the real processes: tests/integration/test_observability.py)."""

from __future__ import annotations

import json
import logging

from django.conf import settings
from pythonjsonlogger.json import JsonFormatter

from core import logcontext


def test_plain_text_is_the_default_format():
    assert settings.LOG_FORMAT == "plain"
    assert settings.LOGGING["handlers"]["console"]["formatter"] == "plain"


def test_the_callers_request_id_is_echoed_and_a_missing_one_made(client, db):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="lb-42").headers["X-Request-ID"] == "lb-42"
    made = client.get("/healthz").headers["X-Request-ID"]
    assert len(made) == 32 and made != client.get("/healthz").headers["X-Request-ID"]


def test_bound_fields_reach_a_json_line_and_leave_with_the_block():
    formatter = JsonFormatter("%(levelname)s %(name)s %(message)s")
    record_filter = logcontext.LogContextFilter()

    def line() -> dict:
        record = logging.LogRecord("crm.test", logging.INFO, __file__, 1, "hello", None, None)
        record_filter.filter(record)
        return json.loads(formatter.format(record))

    with logcontext.bind(request_id="r1", client_id=7, wamid=None):
        with logcontext.bind(wamid="wamid.X"):
            inner = line()
        outer = line()
    after = line()
    assert (inner["request_id"], inner["client_id"], inner["wamid"]) == ("r1", "7", "wamid.X")
    assert "wamid" not in outer and outer["client_id"] == "7"
    assert "request_id" not in after
