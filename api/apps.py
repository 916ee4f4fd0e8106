from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("API and integrations")

    def ready(self) -> None:
        from api import exports  # noqa: F401 — registers the export job's runner
