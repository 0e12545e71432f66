from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from audit import receivers, tasks  # noqa: F401  (login receivers; task names resolve everywhere)
