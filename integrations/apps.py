from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = _("Integrations")

    def ready(self) -> None:
        # Observers of the pipeline's signals; task names resolve in web and worker alike.
        from integrations import observers, tasks  # noqa: F401
