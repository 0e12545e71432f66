from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "tenants"
    verbose_name = _("Clients and numbers")

    def ready(self) -> None:
        from tenants.webhook_handlers import register_handlers

        register_handlers()
