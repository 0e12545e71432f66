"""Per-IP rate limits of the public onboarding endpoints, counted in the cache (Redis in production).

The address comes from `core.client_ip`, so a forged X-Forwarded-For buys no extra attempts.

Rates come from settings at request time (ONBOARDING_SIGNUP_RATE, ONBOARDING_SETUP_CODE_RATE), so the
operator tunes them without code. The signup page uses the same throttle as the API.
"""

from __future__ import annotations

from core.throttles import ClientIpRateThrottle


class SignupThrottle(ClientIpRateThrottle):
    scope = "onboarding-signup"
    setting_name = "ONBOARDING_SIGNUP_RATE"


class SetupCodeThrottle(ClientIpRateThrottle):
    scope = "onboarding-setup-code"
    setting_name = "ONBOARDING_SETUP_CODE_RATE"
