from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import checks, schema  # noqa: F401 - registers the system checks and the OpenAPI extensions
        from core.fields import validate_encryption_keys

        # A malformed key fails every process (web, worker, beat, manage.py) at start, with the reason.
        validate_encryption_keys()
