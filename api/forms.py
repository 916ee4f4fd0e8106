from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from api.models import ApiKey
from matching.models import Partner


class ApiKeyForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=120, help_text=_("What the key is for, e.g. “ministry portal”."))
    user = forms.ModelChoiceField(
        label=_("acts as"),
        queryset=User.objects.filter(is_active=True).order_by("email"),
        help_text=_("The account whose permissions the key has (within its scopes)."),
    )
    partner = forms.ModelChoiceField(
        label=_("partner"),
        queryset=Partner.objects.order_by("name"),
        required=False,
        help_text=_("For a partner's integration: the key sees only this partner's programs."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label=_("expires"), required=False, help_text=_("Leave empty for a key that does not expire.")
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:  # search as you type: there may be thousands of accounts
            for name in ("user", "partner"):
                field = self.fields[name]
                field.widget = AutocompleteSelect(ApiKey._meta.get_field(name), admin_site)
                field.widget.choices = field.choices
