from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WhatsappConfig(AppConfig):
    name = "whatsapp"
    verbose_name = _("WhatsApp messaging")

    def ready(self) -> None:
        from whatsapp import tasks  # noqa: F401 - registers the tasks by name in every process (core.queue)
