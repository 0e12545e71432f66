"""Small helpers shared by the portal views."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.http import Http404

from core.exceptions import NotFoundError

T = TypeVar("T")


def found(lookup: Callable[..., T], **kwargs) -> T:
    """Call a client-scoped selector; its NotFoundError ("missing" or "not yours") becomes a page 404."""
    try:
        return lookup(**kwargs)
    except NotFoundError as exc:
        raise Http404(str(exc)) from exc
