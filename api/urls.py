"""`/api/v1/`: each resource module registers its routes; the schema and its docs are served here,
with the docs' assets from drf-spectacular-sidecar (no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.routers import DefaultRouter

from api.schema import ID_PATTERN
from api.views import actions, applications, exports, jobs, programs, reviews, webhooks
from api.views import appeals as appeals_views
from api.views import evidence as evidence_views
from api.views import exclusions as exclusions_views
from api.views import matching as matching_views
from api.views import meetings as meetings_views
from api.views import members as members_views
from api.views import rankings as rankings_views
from api.views import seats as seats_views

app_name = "api"


class Router(DefaultRouter):
    """Ids in addresses are whole numbers written in ASCII digits: `/programs/abc/` matches no route and
    gets the API's JSON 404 (`api.views.fallback`) without reaching a view."""

    def __init__(self):
        super().__init__()
        self._default_value_pattern = ID_PATTERN


class DocsView(SpectacularSwaggerSplitView):
    """The docs are a page to read (GET); any other method is a 405 in the API's JSON error shape.
    Its start-up script is served apart (`?script`) and its style is a static file: the page keeps to the
    site's Content-Security-Policy, which allows no inline script or style."""

    http_method_names = ["get", "head"]
    template_name = "api/docs.html"

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        return response


router = Router()
for module in (programs, applications, reviews, actions, jobs, webhooks, exports):
    module.register(router)
rankings_views.register(router)
meetings_views.register(router)
matching_views.register(router)
members_views.register(router)
exclusions_views.register(router)
appeals_views.register(router)
evidence_views.register(router)
seats_views.register(router)

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema", permission_classes=[AllowAny]), name="docs"),
    path("", include(router.urls)),
]
