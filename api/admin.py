from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from api.forms import ApiKeyForm
from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey, IdempotencyRecord
from core.admin import (
    AuditTrailMixin,
    ModelAdmin,
    ReadOnlyModelAdmin,
    ServiceAction,
    ServiceActionsMixin,
    service_action,
)
from core.errors import DomainError

REVOKE = ServiceAction(
    service=api_key_revoke,
    target="api_key",
    description=_("Revoke (the key stops working at once)"),
    done=_("Revoked: %(objects)s"),
    needs_reason=True,
)


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceActionsMixin, AuditTrailMixin, ModelAdmin):
    """Keys for integrations. The key is shown once, on the page after it is created; only its hash is
    kept. A key is never edited: revoke it and create another."""

    list_display = ("name", "prefix", "user", "partner", "scope_list", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("partner", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("name", "prefix", "user__email", "partner__name")
    list_select_related = ("user", "partner")
    actions = [service_action(REVOKE)]
    fieldsets = (
        (None, {"fields": ("name", "prefix", "user", "partner", "scopes")}),
        (_("Validity"), {"fields": ("expires_at", "revoked_at", "last_used_at", "created_by", "created_at")}),
    )
    readonly_fields = (
        "name",
        "prefix",
        "user",
        "partner",
        "scopes",
        "expires_at",
        "revoked_at",
        "last_used_at",
        "created_by",
        "created_at",
    )

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked key stays, with its trail

    @admin.display(description=_("scopes"))
    def scope_list(self, api_key: ApiKey) -> str:
        return ", ".join(api_key.scopes)

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = ApiKeyForm(request.POST or None, admin_site=self.admin_site)
        if request.method == "POST" and form.is_valid():
            try:
                issued = api_key_create(**form.cleaned_data, by=request.user)
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                context = {
                    **self.admin_site.each_context(request),
                    "title": _("API key created"),
                    "opts": self.opts,
                    "api_key": issued.api_key,
                    "secret": issued.secret,
                }
                # The admin marks every page no-store, so the key does not linger in a cache.
                return TemplateResponse(request, "admin/api/apikey/created.html", context)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Create an API key"),
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/api/apikey/add.html", context)


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(ReadOnlyModelAdmin):
    """Answers kept for POST requests sent with an Idempotency-Key, replayed when the key comes again."""

    list_display = ("created_at", "caller", "method", "path", "status_code", "key")
    list_filter = ("method", "status_code")
    search_fields = ("key", "path", "caller")
    date_hierarchy = "created_at"
