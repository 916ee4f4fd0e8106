from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.admin import ChangeHistoryMixin

# allauth.mfa registers its Authenticator model; people manage their own factors on their account pages
# (/accounts/2fa/), and the admin does not list secrets, even encrypted ones.
if admin.site.is_registered(Authenticator):
    admin.site.unregister(Authenticator)
from matching.models import Evaluator, PartnerMembership
from startups.models import StartupMember


class UserCreationForm(AdminUserCreationForm):
    """Staff create a user by e-mail address; the address is the login."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("email", "name", "preferred_language")

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


class UserEditForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()


@admin.register(User)
class UserAdmin(ChangeHistoryMixin, DjangoUserAdmin):
    """People's accounts; every edit (flags such as staff and superuser included) is audited old → new."""

    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Personal info"), {"fields": ("name", "preferred_language")}),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "name", "preferred_language", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ("email", "name", "roles_column", "preferred_language", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "preferred_language", "groups")
    search_fields = ("email", "name")
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    date_hierarchy = "date_joined"

    def get_queryset(self, request):
        # The roles column reads these flags; without them it would query three times per row.
        return (
            super()
            .get_queryset(request)
            .annotate(
                is_evaluator=Exists(Evaluator.objects.filter(user=OuterRef("pk"))),
                is_partner_member=Exists(PartnerMembership.objects.filter(user=OuterRef("pk"))),
                is_applicant=Exists(StartupMember.objects.filter(user=OuterRef("pk"))),
            )
        )

    @admin.display(description=_("roles"))
    def roles_column(self, user: User) -> str:
        flags = (
            (user.is_staff, _("staff")),
            (getattr(user, "is_evaluator", False), _("evaluator")),
            (getattr(user, "is_partner_member", False), _("partner")),
            (getattr(user, "is_applicant", False), _("applicant")),
        )
        return ", ".join(str(label) for held, label in flags if held) or "-"
