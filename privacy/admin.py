from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ModelAdmin, ReadOnlyModelAdmin, ServiceAction, ServiceActionsMixin, service_action
from privacy.models import Consent, ErasableUser, PrivacyStatement, RetentionPurge
from privacy.services import person_erase, statement_save


@admin.register(PrivacyStatement)
class PrivacyStatementAdmin(ModelAdmin):
    """Staff write the statement in Korean and English; saving publishes it as the next version, so a
    version people agreed to is never changed."""

    list_display = ("__str__", "program", "version", "retention_months", "published_at")
    list_filter = ("program",)
    list_select_related = ("program",)
    readonly_fields = ("version", "published_at", "created_by")
    fieldsets = (
        (None, {"fields": ("program", "version", "published_at", "created_by", "retention_months")}),
        (_("Korean"), {"fields": ("purpose_ko", "items_ko", "third_parties_ko", "text_ko")}),
        (_("English"), {"fields": ("purpose_en", "items_en", "third_parties_en", "text_en")}),
    )

    def save_model(self, request, obj, form, change):
        saved = statement_save(statement=obj, by=request.user)
        obj.pk = saved.pk  # the admin's message and redirect go to the version just published

    def has_delete_permission(self, request, obj=None):
        return False  # people agreed to it: it stays


@admin.register(Consent)
class ConsentAdmin(ReadOnlyModelAdmin):
    list_display = ("user", "kind", "statement", "version", "given_at")
    list_filter = ("kind",)
    list_select_related = ("user", "statement__program")
    search_fields = ("user__email",)
    date_hierarchy = "given_at"


@admin.register(RetentionPurge)
class RetentionPurgeAdmin(ReadOnlyModelAdmin):
    list_display = ("program", "purged_at", "counts")
    list_select_related = ("program",)


PERSON_ERASE = ServiceAction(
    service=person_erase,
    target="user",
    description=_("Erase the selected people's personal data"),
    done=_("Personal data erased: %(objects)s"),
    needs_reason=True,
)


@admin.register(ErasableUser)
class ErasableUserAdmin(ServiceActionsMixin, ReadOnlyModelAdmin):
    """Erasure on request: staff pick the applicant, confirm and say why; the erasure is audited."""

    list_display = ("email", "name", "is_active", "date_joined")
    search_fields = ("email", "name")
    fields = readonly_fields = ("email", "name", "is_active", "date_joined", "last_login")
    actions = (service_action(PERSON_ERASE),)

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_staff=False)

    def has_change_permission(self, request, obj=None):
        # The list's action needs the change permission; a person's own page stays read-only.
        return obj is None and request.user.has_perm("accounts.change_user")
