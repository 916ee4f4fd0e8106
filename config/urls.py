from django.contrib import admin
from django.urls import include, path

from core import views as core_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", core_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("", core_views.home, name="home"),
]
