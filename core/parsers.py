"""The REST API's JSON parser: DRF's, with the depth limit and error handling of `core.jsonbody`."""

from __future__ import annotations

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from core.jsonbody import JsonBodyError, json_loads_limited


class LimitedJSONParser(JSONParser):
    """Unparseable, undecodable or too-deep JSON is a 400 `malformed_request`, never a RecursionError 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            raw = stream.read() if stream is not None else b""
            return json_loads_limited(raw.decode(encoding))
        except (JsonBodyError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
