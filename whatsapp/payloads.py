"""Reading Meta's JSON defensively: a field that should hold an object or a list may hold anything."""

from __future__ import annotations

from typing import Any


def as_object(value: Any) -> dict[str, Any]:
    """The value if it is a JSON object, else {}."""
    return value if isinstance(value, dict) else {}


def as_objects(value: Any) -> list[dict[str, Any]]:
    """The objects of a JSON list (other items dropped), else []."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
