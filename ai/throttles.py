"""Limits of "try your assistant": every preview may call the paid model, and nothing else limits it.

Two budgets, checked in this order (`core.throttles.first_refusal`): per user or API key
(`AI_PREVIEW_USER_RATE`), then per client, shared by all its users and keys (`AI_PREVIEW_CLIENT_RATE`).
The portal page and `POST /api/v1/assistant/preview` count in the same budgets.
"""

from __future__ import annotations

from core.throttles import first_refusal
from tenants.throttles import CallerRateThrottle, ClientRateThrottle


class PreviewUserThrottle(CallerRateThrottle):
    scope = "ai-preview-user"
    setting_name = "AI_PREVIEW_USER_RATE"


class PreviewClientThrottle(ClientRateThrottle):
    scope = "ai-preview-client"
    setting_name = "AI_PREVIEW_CLIENT_RATE"


PREVIEW_THROTTLES = [PreviewUserThrottle, PreviewClientThrottle]


def preview_refusal(request, view) -> PreviewUserThrottle | PreviewClientThrottle | None:
    """The budget a preview would exceed (nothing is counted then), or None and the preview is counted.

    `view` is anything with the acting `client`: the API view or the portal's PortalContext.
    """
    return first_refusal([throttle() for throttle in PREVIEW_THROTTLES], request, view)
