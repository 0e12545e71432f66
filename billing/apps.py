from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Usage and billing")

    def ready(self) -> None:
        from billing import tasks  # noqa: F401 - registers the tasks by name in every process (core.queue)
