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


class StaffSecondFactorMiddleware:
    """The admin has no sign-in of its own and no page for staff without a second factor.

    - `/admin/login/` sends people to the site's sign-in (allauth) with `next`, so one set of rate limits,
      lockout and second factor covers every sign-in; a password posted to it is never checked.
    - A staff member who has not enrolled a second factor (TOTP or a passkey) is sent to enrol before any
      admin page. Whether they have is kept in the session (set at sign-in and on enrolment, by
      accounts.signals), so an enrolled person's pages cost no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.core.exceptions import PermissionDenied
        from django.shortcuts import redirect
        from django.urls import reverse
        from django.utils.http import url_has_allowed_host_and_scheme, urlencode
        from django.utils.translation import gettext as _

        from accounts.second_factor import has_second_factor

        admin_root = reverse("admin:index")
        if not request.path.startswith(admin_root):
            return self.get_response(request)
        user = request.user
        if request.path == reverse("admin:login"):
            if user.is_authenticated and not user.is_staff:
                raise PermissionDenied(_("This account cannot open the administration."))
            target = request.GET.get("next", "")
            if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                target = admin_root
            return redirect(f"{reverse('account_login')}?{urlencode({'next': target or admin_root})}")
        if (
            user.is_authenticated
            and user.is_staff
            and request.path != reverse("admin:logout")
            and not has_second_factor(request)
        ):
            messages.warning(
                request,
                _(
                    "Staff must set up a second sign-in step (an authenticator app or a passkey) before "
                    "opening the administration."
                ),
            )
            return redirect("mfa_activate_totp")
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
                request.upload_view = match.view_name
                return settings.UPLOAD_MAX_REQUEST_BYTES
        return limit

    @staticmethod
    def refuse(request, message: str):
        from django.http import JsonResponse
        from django.template.response import TemplateResponse

        if request.path_info.startswith("/api/"):
            response = JsonResponse({"code": "request_too_large", "detail": message, "fields": {}}, status=413)
        else:
            # The application form is where the person came from: a link back to it (a GET of the same address).
            back_url = request.path if getattr(request, "upload_view", None) == "applications:edit" else None
            context = {"message": message, "back_url": back_url}
            response = TemplateResponse(request, "core/request_too_large.html", context, status=413)
            response.render()
        return response
