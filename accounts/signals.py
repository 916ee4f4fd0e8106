"""Keep the session's "has a second factor" flag current (read by core.middleware on every admin page)."""

from allauth.mfa.signals import authenticator_added, authenticator_removed
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.second_factor import second_factor_remember


@receiver(user_logged_in, dispatch_uid="accounts.second_factor.logged_in")
def remember_second_factor_at_sign_in(sender, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        second_factor_remember(request=request, user=user)


@receiver(authenticator_added, dispatch_uid="accounts.second_factor.added")
@receiver(authenticator_removed, dispatch_uid="accounts.second_factor.removed")
def remember_second_factor_on_change(sender, request, user, **kwargs) -> None:
    second_factor_remember(request=request, user=user)
