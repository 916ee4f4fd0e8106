from django.contrib import admin
from django.urls import include, path, re_path

from api.views.fallback import api_not_found
from core import views as core_views
from matching import views_public

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("csp-report/", core_views.csp_report, name="csp_report"),
    path("favicon.ico", core_views.favicon),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    re_path(r"^api/", api_not_found),  # any other address under /api/: the API's JSON 404
    path("accounts/", include("allauth.urls")),
    path("evaluate/", include("matching.urls_evaluator")),
    path("meetings/", include("matching.urls_meetings")),
    path("partner/", include("matching.urls_partner")),
    path("notifications/", include("notifications.urls")),
    path("", include("privacy.urls")),
    path("", include("startups.urls")),
    path("programs/<slug:slug>/", views_public.program_detail, name="program_detail"),
    path("", views_public.home, name="home"),
]
