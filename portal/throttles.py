"""Rate limits of the password-reset request, counted in the cache (Redis in production) like every other limit
(`core.throttles`): per e-mail address, so nobody floods a person's mailbox from many addresses, and per caller
IP (`core.client_ip`, so a forged X-Forwarded-For buys nothing), so nobody probes or mails many addresses.

Both count every valid request, whether or not the address has an account: the page answers the same either way,
the refusal included, so the limit tells nobody which e-mails are customers. Rates come from settings at request
time (PASSWORD_RESET_EMAIL_RATE, PASSWORD_RESET_IP_RATE).
"""

from __future__ import annotations

import hashlib

from core.throttles import ClientIpRateThrottle, SettingRateThrottle


class PasswordResetIpThrottle(ClientIpRateThrottle):
    scope = "password-reset-ip"
    setting_name = "PASSWORD_RESET_IP_RATE"


class PasswordResetEmailThrottle(SettingRateThrottle):
    """Counts per e-mail address, case-insensitively; the cache key holds a digest, never the address itself."""

    scope = "password-reset-email"
    setting_name = "PASSWORD_RESET_EMAIL_RATE"

    def __init__(self, email: str):
        super().__init__()
        self.email = email

    def ident(self, request, view) -> str:
        return hashlib.sha256(self.email.strip().lower().encode()).hexdigest()


def password_reset_throttles(email: str) -> list[SettingRateThrottle]:
    """In the order they are checked: a caller over their own address's limit spends none of the e-mail's, so a
    flood from one place cannot lock the account's holder out of their own reset."""
    return [PasswordResetIpThrottle(), PasswordResetEmailThrottle(email)]
