"""Every address under `/api/` that no route matches: a 404 in the API's error shape (for any method),
not Django's HTML page. An address that only lacks its final slash says which address was meant."""

from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView


class ApiNotFound(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = []
    renderer_classes = [JSONRenderer]
    schema = None  # not an operation of the API

    def initial(self, request, *args, **kwargs):
        raise exceptions.NotFound(self.detail(request.path_info))

    @staticmethod
    def detail(path: str) -> str:
        if not path.endswith("/"):
            try:
                meant = resolve(f"{path}/")
            except Resolver404:
                meant = None
            if meant is not None and getattr(meant.func, "cls", None) is not ApiNotFound:
                return _("No such address; did you mean %(path)s/ (with the final slash)?") % {"path": path}
        return _("No such address in the API.")


api_not_found = ApiNotFound.as_view()
