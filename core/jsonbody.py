"""JSON bodies from strangers: parsed with a depth limit, and every way they can be wrong is a ValueError.

The standard parser recurses once per nesting level, so 50,000 brackets raise RecursionError (not a
ValueError) and a view that only catches ValueError answers 500. No body this product accepts nests deeper
than a few levels; MAX_JSON_DEPTH leaves room and refuses the rest before any code walks the structure.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_JSON_DEPTH = 32


class JsonBodyError(ValueError):
    """The body is not JSON, or nests deeper than MAX_JSON_DEPTH."""


def json_depth_exceeds(value: Any, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when containers nest deeper than `limit` (iterative: a deep value cannot overflow the stack)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _refuse_constant(name: str) -> Any:
    """NaN and ±Infinity: Python's json reads them, JSON (RFC 8259) and PostgreSQL's jsonb do not."""
    raise ValueError(f"{name} is not a JSON value")


MAX_NUMBER_TEXT = 100  # characters of one number with a fraction or an exponent
MAX_EXPONENT = 1000


def _storable_float(text: str) -> float:
    """A number a float and PostgreSQL's numeric both hold. Too large for a float (1e400) reads as infinity,
    which JSON and jsonb cannot hold; an exponent beyond ±1000 or a longer text can pass Python and still
    overflow numeric (0e-99999, 1.5 with 17,000 zeros). Meta sends nothing like either."""
    _, _, exponent = text.lower().partition("e")
    if len(text) > MAX_NUMBER_TEXT or (exponent and abs(int(exponent)) > MAX_EXPONENT):
        raise ValueError(f"{text[:20]}… is longer or larger than a number we store")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is beyond a float's range")
    return value


def json_loads_limited(data: bytes | str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads` that raises JsonBodyError for invalid, undecodable or too-deep input (NaN and Infinity
    included, and numbers that would read as infinite: a signed webhook carrying one was a 500 when its
    payload reached jsonb)."""
    try:
        value = json.loads(data, parse_constant=_refuse_constant, parse_float=_storable_float)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise JsonBodyError(f"not valid JSON: {exc.__class__.__name__}") from exc
    if json_depth_exceeds(value, max_depth):
        raise JsonBodyError(f"JSON nests deeper than {max_depth} levels")
    return value
