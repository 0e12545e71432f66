"""Per-IP rate limits of the public onboarding endpoints, counted in the cache (Redis in production).

The address comes from `core.client_ip`, so a forged X-Forwarded-For buys no extra attempts.

Rates come from settings at request time (ONBOARDING_SIGNUP_RATE, ONBOARDING_SETUP_CODE_RATE), so the
operator tunes them without code. The signup page uses the same throttle as the API.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.client_ip import ClientIpThrottleMixin


class SettingRateThrottle(ClientIpThrottleMixin, SimpleRateThrottle):
    setting_name = ""

    def get_rate(self) -> str:
        return getattr(settings, self.setting_name)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignupThrottle(SettingRateThrottle):
    scope = "onboarding-signup"
    setting_name = "ONBOARDING_SIGNUP_RATE"


class SetupCodeThrottle(SettingRateThrottle):
    scope = "onboarding-setup-code"
    setting_name = "ONBOARDING_SETUP_CODE_RATE"
