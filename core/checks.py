"""System checks of what every app shares: the keys that encrypt Meta's secrets at rest.

Run by `manage.py check` (and so by `check --deploy`); the same test also runs at startup
(`core.fields.validate_encryption_keys`), so a bad key never reaches the first encrypted write.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from core.fields import encryption_key_problem


@checks.register(checks.Tags.security)
def encryption_key_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problem = encryption_key_problem(settings.FIELD_ENCRYPTION_KEY)
    if problem:
        return [checks.Error(problem, id="core.E001")]
    if not settings.FIELD_ENCRYPTION_KEY and not settings.DEBUG:
        return [checks.Error("FIELD_ENCRYPTION_KEY must be set when DEBUG is off.", id="core.E002")]
    return []
