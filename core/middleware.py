from django.conf import settings
from django.utils import translation


class PreferredLanguageMiddleware:
    """A signed-in person sees their preferred language unless they picked one with the switcher
    (the language cookie), which always wins. Anonymous visitors keep LocaleMiddleware's choice."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
            and user.preferred_language in dict(settings.LANGUAGES)
        ):
            translation.activate(user.preferred_language)
            request.LANGUAGE_CODE = user.preferred_language
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """Refuses a request body over its limit before it is read, with 413 and the upload form's wording.

    The limit is UPLOAD_MAX_REQUEST_BYTES on the upload forms (UPLOAD_URL_NAMES) and
    DATA_UPLOAD_MAX_MEMORY_SIZE elsewhere. A declared Content-Length over it is answered at once; a
    multipart body on a page (not the API, whose parsers run in the view) is parsed here, through
    core.uploads.LimitedUploadHandler, which stops once the bytes received pass the limit — so neither the
    CSRF check nor the view ever sees half a form, and nothing is saved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from core.uploads import UploadTooLarge, too_large_message

        limit = self.limit_for(request)
        request.upload_limit = limit
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > limit:
            return self.refuse(request, too_large_message(limit=limit, size=declared))
        if (
            request.method == "POST"
            and request.content_type == "multipart/form-data"
            and not request.path_info.startswith("/api/")
        ):
            try:
                request.POST  # noqa: B018 - parsed here, within the limit, before anything else reads it
            except UploadTooLarge as refusal:
                return self.refuse(request, refusal.message)
        return self.get_response(request)

    @staticmethod
    def limit_for(request) -> int:
        from django.urls import Resolver404, resolve

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:  # Django's "no limit"
            limit = 2**63
        if request.method in ("POST", "PUT", "PATCH"):
            try:
                match = resolve(request.path_info)
            except Resolver404:
                return limit
            if match.view_name in settings.UPLOAD_URL_NAMES:
                return settings.UPLOAD_MAX_REQUEST_BYTES
        return limit

    @staticmethod
    def refuse(request, message: str):
        from django.http import JsonResponse
        from django.template.response import TemplateResponse

        if request.path_info.startswith("/api/"):
            response = JsonResponse({"code": "request_too_large", "detail": message, "fields": {}}, status=413)
        else:
            response = TemplateResponse(request, "core/request_too_large.html", {"message": message}, status=413)
            response.render()
        return response
