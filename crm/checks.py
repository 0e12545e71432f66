"""Deploy checks of the project's settings: production needs Meta's credentials, not the sandbox's.

`manage.py check --deploy` runs them. Without these, a deployment with a missing app secret would start
and answer every webhook 403 (nothing can be verified), and a missing token would fail at the first send.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

# What each Meta setting is for; every one is needed once the sandbox is off (docs/meta-setup.md).
META_SETTINGS = {
    "WHATSAPP_APP_ID": "the Meta app id (Embedded Signup and token exchange)",
    "WHATSAPP_APP_SECRET": "the Meta app secret (verifies every webhook signature)",
    "WHATSAPP_VERIFY_TOKEN": "the webhook verify token (Meta's subscription handshake)",
    "WHATSAPP_MASTER_TOKEN": "the system user token (every Graph API call)",
    "WHATSAPP_BUSINESS_ACCOUNT_ID": "the operator's WhatsApp Business Account (hosted numbers)",
}


@checks.register(checks.Tags.security, deploy=True)
def meta_settings_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.WHATSAPP_SANDBOX:  # the sandbox supplies its own stand-in credentials
        return []
    return [
        checks.Error(
            f"{name} is not set: {purpose}.",
            hint=f"Set {name} in the environment (.env.example); WHATSAPP_SANDBOX=true only for development.",
            id=f"crm.E{index:03d}",
        )
        for index, (name, purpose) in enumerate(META_SETTINGS.items(), start=1)
        if not str(getattr(settings, name, "") or "").strip()
    ]
