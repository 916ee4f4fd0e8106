"""Forms for the applicant's account pages (sign-up through django-allauth)."""

from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _

from accounts.models import User


def active_language() -> str:
    """The active language if it is one we offer, otherwise the site default (Korean)."""
    language = (get_language() or settings.LANGUAGE_CODE)[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class SignupForm(forms.Form):
    """Our fields on top of allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

    allauth makes this the base class of its own form, so it must not import allauth's forms.
    The values are stored by `accounts.adapter.AccountAdapter.save_user`.
    """

    field_order = ["name", "email", "password1", "password2", "preferred_language", "terms_consent"]

    name = forms.CharField(
        label=_("Name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        help_text=_("Your full name, as on official documents."),
    )
    preferred_language = forms.ChoiceField(
        label=_("Language for e-mails and pages"),
        # Each language in its own name, as on the language switcher.
        choices=[(code, get_language_info(code)["name_local"]) for code in User.Language.values],
    )

    # The site's terms and personal-data statement (개인정보 수집·이용 동의), stored with its version.
    terms_consent = forms.BooleanField(
        label=_("I agree to the terms of use and to the collection and use of my personal data."),
        required=True,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].initial = active_language()

    def signup(self, request: HttpRequest, user: User) -> None:
        # allauth requires this hook; the adapter has already stored our fields on the user.
        from privacy.services import consent_record_signup  # the app's models load after this form

        consent_record_signup(user=user, ip=request.META.get("REMOTE_ADDR"))
