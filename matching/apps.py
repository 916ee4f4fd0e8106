from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchingConfig(AppConfig):
    name = "matching"
    verbose_name = _("Programs and evaluation")

    def ready(self) -> None:
        from matching import jobs  # noqa: F401 — registers the runners of its job kinds
