from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core import checks, lookups, metrics, schema  # noqa: F401 - registers the checks, `__any_of`, OpenAPI extensions
        from core.fields import validate_encryption_keys
        from core.logcontext import connect_celery_signals

        # A malformed key fails every process (web, worker, beat, manage.py) at start, with the reason.
        validate_encryption_keys()
        connect_celery_signals()
        metrics.connect_celery_signals()
