from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM Master"

    def ready(self) -> None:
        from crm import schema  # noqa: F401 - registers the OpenAPI extensions
