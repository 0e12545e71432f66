from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = _("Sandbox (offline WhatsApp)")

    def ready(self) -> None:
        from sandbox.observers import connect

        connect()
