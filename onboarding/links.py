"""Links of onboarding: the setup link a client scans (its QR is drawn by core.qr)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def onboarding_url(setup_code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('onboarding:link', args=[setup_code])}"


def onboarding_png_url(setup_code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}{reverse('onboarding:link-qr', args=[setup_code])}"
