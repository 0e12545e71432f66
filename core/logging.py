"""Logging filters shared by every process."""

from __future__ import annotations

import logging


class RefusalsWithoutTraceback(logging.Filter):
    """Keep the one-line warning of a refused request (403, 404…) but drop its traceback.

    Django logs a PermissionDenied or Http404 with the exception attached; a refusal is an expected answer,
    and a traceback per refused page buries the real errors (5xx keep theirs).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if record.name.startswith("django.") and status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
