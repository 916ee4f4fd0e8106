"""API keys in the `Authorization` header: `Authorization: Api-Key md_…` (or `Bearer md_…`)."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from api.keys import api_key_authenticate


class PartnerMembershipEnded(exceptions.PermissionDenied):
    default_code = "partner_membership_ended"
    default_detail = _("This key acts for a partner its holder is no longer a member of.")


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keywords = ("api-key", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be “Api-Key <key>”."))
        api_key = api_key_authenticate(header[1])
        if api_key is None:
            raise exceptions.AuthenticationFailed(_("This API key is unknown, expired or revoked."))
        if api_key.partner_id is not None and not api_key.partner_member_current:
            raise PartnerMembershipEnded  # checked at every request, not only when the key was made
        return api_key.user, api_key

    def authenticate_header(self, request):
        return 'Api-Key realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key md_<prefix>_<secret>`, created in the admin (API keys).",
        }
