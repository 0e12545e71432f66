from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM Master"

    def ready(self) -> None:
        from crm import checks  # noqa: F401 - registers the deploy checks
