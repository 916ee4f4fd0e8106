"""How django-allauth creates our users and writes to them."""

from types import SimpleNamespace

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import translation

from accounts.forms import active_language
from accounts.models import User


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # Addresses are stored lower-case (User.clean does the same for staff-made users).
        return super().clean_email(User.objects.normalize_email(email).lower())

    def get_user_search_fields(self) -> list[str]:
        # The admin's e-mail address list searches by the person's address and name.
        return ["email", "name"]

    def save_user(self, request: HttpRequest, user: User, form: BaseForm, commit: bool = True) -> User:
        """Store the sign-up form's name and language; the language defaults to the one active at sign-up."""
        data = form.cleaned_data
        user.name = data.get("name", "") or ""
        user.preferred_language = data.get("preferred_language") or active_language()
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Account mails speak the recipient's preferred language and sign as Matchday, not as the host name."""
        site = get_current_site(self.request)
        context = {**context, "current_site": SimpleNamespace(name="Matchday", domain=site.domain)}
        user = context.get("user")
        language = getattr(user, "preferred_language", None) or translation.get_language()
        with translation.override(language):
            super().send_mail(template_prefix, email, context)
