"""Whether a signed-in person has a second factor (allauth.mfa), remembered in their session."""

from allauth.mfa.models import Authenticator
from django.http import HttpRequest

from accounts.models import User

SESSION_KEY = "matchday_second_factor"
# Recovery codes alone are not a factor one signs in with day to day: they come with TOTP or a passkey.
SIGN_IN_TYPES = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)


def user_has_second_factor(*, user: User) -> bool:
    return Authenticator.objects.filter(user=user, type__in=SIGN_IN_TYPES).exists()


def second_factor_remember(*, request: HttpRequest, user: User) -> bool:
    enrolled = user_has_second_factor(user=user)
    request.session[SESSION_KEY] = enrolled
    return enrolled


def has_second_factor(request: HttpRequest) -> bool:
    """True once the session's person has enrolled; asked again (one query) only while they have not."""
    if request.session.get(SESSION_KEY):
        return True
    return second_factor_remember(request=request, user=request.user)


def evaluator_second_factor_missing(request: HttpRequest) -> bool:
    """True when the signed-in person evaluates for a program that asks its evaluators for a second
    factor (Program.evaluators_need_mfa) and has not enrolled one: at most one query, none once enrolled."""
    from django.db.models import Exists, OuterRef, Q

    from matching.models import Program

    if request.session.get(SESSION_KEY):
        return False
    user = request.user
    needing = Program.objects.filter(evaluators_need_mfa=True).filter(
        Q(rounds__evaluators__user=user) | Q(rounds__assignments__evaluator__user=user)
    )
    enrolled = Authenticator.objects.filter(user=OuterRef("pk"), type__in=SIGN_IN_TYPES)
    row = User.objects.filter(pk=user.pk).values(needs=Exists(needing), enrolled=Exists(enrolled)).first()
    if row is None:
        return False
    if row["enrolled"]:
        request.session[SESSION_KEY] = True
    return row["needs"] and not row["enrolled"]
