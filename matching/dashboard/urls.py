"""The dashboard's addresses under /admin/, added by `core.admin_site.MatchdayAdminSite.get_urls`."""

from django.urls import path

from matching.dashboard import views


def admin_urls(site) -> list:
    """Staff only: each view goes through the admin's own check (`site.admin_view`)."""
    return [
        path(
            "programs/<int:program_id>/dashboard/",
            site.admin_view(views.program_dashboard),
            {"site": site},
            name="program_dashboard",
        ),
        path(
            "programs/<int:program_id>/dashboard/<slug:chart>.csv",
            site.admin_view(views.dashboard_csv),
            {"site": site},
            name="program_dashboard_csv",
        ),
        path(
            "programs/<int:program_id>/dashboard/rounds/<int:round_id>/remind/",
            site.admin_view(views.round_remind),
            {"site": site},
            name="round_remind",
        ),
    ]


def staff_home_context(request) -> dict:
    return views.staff_home_context(request)
