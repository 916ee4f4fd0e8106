from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

# Staff's day starts with programs and applications; accounts and the audit trail come last.
APP_ORDER = ["matching", "startups", "notifications", "audit", "accounts", "auth"]


class MatchdayAdminSite(admin.AdminSite):
    site_header = "Matchday"
    site_title = "Matchday"
    index_title = _("Program administration")

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        position = {label: i for i, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda app: position.get(app["app_label"], len(APP_ORDER)))

    def get_urls(self):
        from matching.dashboard.urls import admin_urls

        return [*admin_urls(self), *super().get_urls()]

    def index(self, request, extra_context=None):
        from matching.dashboard.urls import staff_home_context

        return super().index(request, {**staff_home_context(request), **(extra_context or {})})


class MatchdayAdminConfig(AdminConfig):
    default_site = "core.admin_site.MatchdayAdminSite"
