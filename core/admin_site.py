from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core import admin_groups

# The permissions a system table's admin answers only for superusers (its pages, its rows in lists).
SUPERUSER_ONLY_PERMISSIONS = (
    "has_module_permission",
    "has_view_permission",
    "has_add_permission",
    "has_change_permission",
    "has_delete_permission",
)


def _superusers_only(model_admin) -> None:
    """Make an internal table's admin refuse staff who are not superusers, so typing its address does
    not open it either (the navigation already hides it)."""
    for name in SUPERUSER_ONLY_PERMISSIONS:
        granted = getattr(model_admin, name)

        def guarded(request, *args, _granted=granted, **kwargs):
            return bool(request.user.is_superuser) and _granted(request, *args, **kwargs)

        setattr(model_admin, name, guarded)


class MatchdayAdminSite(admin.AdminSite):
    site_header = "Matchday"
    site_title = "Matchday"
    index_title = _("Program administration")

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, admin_class, **options)
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            if admin_groups.is_system_model(model._meta.label):
                _superusers_only(self._registry[model])

    def get_app_list(self, request, app_label=None):
        """The index and the sidebar list the models by stage of the work (core.admin_groups); an app's
        own page (/admin/<app_label>/) keeps Django's list of that app."""
        if app_label:
            return super().get_app_list(request, app_label)
        models_by_group: dict[str, list[dict]] = {}
        for app in self._build_app_dict(request).values():
            for model in app["models"]:
                label = model["model"]._meta.label
                group = admin_groups.group_of(label) or admin_groups.GROUPS_BY_SLUG["system"]
                models_by_group.setdefault(group.slug, []).append(model)
        groups = []
        for group in admin_groups.GROUPS:
            models = models_by_group.get(group.slug)
            if not models or (group.superuser_only and not request.user.is_superuser):
                continue
            models.sort(key=lambda model: (admin_groups.position_in_group(model["model"]._meta.label), model["name"]))
            groups.append(
                {
                    "name": group.name,
                    "app_label": group.slug,
                    "app_url": reverse("admin:app_group", kwargs={"slug": group.slug}, current_app=self.name),
                    "has_module_perms": True,
                    "models": models,
                }
            )
        return groups

    def group_index(self, request, slug, extra_context=None):
        """A group's page: the stock app page, listing the group's models."""
        context = self.each_context(request)
        app_list = [group for group in context["available_apps"] if group["app_label"] == slug]
        if not app_list:
            raise Http404("The requested admin page does not exist.")
        context.update(
            {
                "title": app_list[0]["name"],
                "subtitle": None,
                "app_list": app_list,
                "app_label": slug,
                **(extra_context or {}),
            }
        )
        request.current_app = self.name
        return TemplateResponse(request, self.app_index_template or "admin/app_index.html", context)

    @property
    def urls(self):
        # The group pages are added here, beside `get_urls` (which the dashboard extends), not inside it.
        group_urls = [path("group/<slug:slug>/", self.admin_view(self.group_index), name="app_group")]
        return [*group_urls, *self.get_urls()], "admin", self.name

    def get_urls(self):
        from matching.dashboard.urls import admin_urls

        return [*admin_urls(self), *super().get_urls()]

    def index(self, request, extra_context=None):
        from matching.dashboard.urls import staff_home_context

        return super().index(request, {**staff_home_context(request), **(extra_context or {})})


class MatchdayAdminConfig(AdminConfig):
    default_site = "core.admin_site.MatchdayAdminSite"
