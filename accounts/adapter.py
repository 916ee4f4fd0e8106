"""How django-allauth creates our users and writes to them."""

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.contrib.sites.shortcuts import get_current_site
from django.core.exceptions import ValidationError
from django.forms import BaseForm
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import ngettext

from accounts.forms import active_language
from accounts.lockout import SignInLock, sign_in_failure_record, sign_in_lock_get
from accounts.models import User
from core.i18n import format_datetime


def sign_in_lock_error(lock: SignInLock) -> ValidationError:
    """The message of a locked sign-in: when it ends, in the reader's language and the house format."""
    minutes = max(1, -(-int((lock.until - timezone.now()).total_seconds()) // 60))
    message = ngettext(
        "Too many failed sign-in attempts. Sign-in is locked until %(until)s (in %(minutes)s minute); "
        "please try again then.",
        "Too many failed sign-in attempts. Sign-in is locked until %(until)s (in %(minutes)s minutes); "
        "please try again then.",
        minutes,
    ) % {"until": format_datetime(lock.until), "minutes": minutes}
    return ValidationError(message, code="sign_in_locked")


class AccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        # Addresses are stored lower-case (User.clean does the same for staff-made users).
        return super().clean_email(User.objects.normalize_email(email).lower())

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """A locked account or address is refused before the password is even checked (so the right
        password is refused too), then allauth's own rate limits apply."""
        lock = sign_in_lock_get(email=credentials.get("email", ""), address=self.get_client_ip(request))
        if lock is not None:
            raise sign_in_lock_error(lock)
        super().pre_authenticate(request, **credentials)

    def authentication_failed(self, request: HttpRequest, **credentials: Any) -> None:
        lock = sign_in_failure_record(email=credentials.get("email", ""), address=self.get_client_ip(request))
        if lock is not None:
            # The attempt that reaches the limit already says so, rather than "wrong password".
            self._rollback_login_failed_rl_usage()
            raise sign_in_lock_error(lock)

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
