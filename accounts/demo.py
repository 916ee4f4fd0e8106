"""The demo's staff second factor: a TOTP authenticator from a fixed, published secret.

The demo staff account must enrol a second factor like any staff account; `seed_demo` gives it one whose
secret is printed (to add to an authenticator app) and `manage.py demo_totp_code` shows its current code.
The secret is public, so the command refuses every account whose authenticator is not the demo's.
"""

import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.utils.translation import gettext as _

from accounts.models import User
from core.errors import DomainError

# Base32, as authenticator apps take it. Public on purpose: it only ever guards demo data.
DEMO_TOTP_SECRET = "MATCHDAYDEMOSTAFFTOTPSECRETWXYZ2"  # noqa: S105


def demo_second_factor_ensure(*, user: User) -> bool:
    """Give the demo staff account the demo TOTP authenticator unless it has a TOTP one already
    (someone may have enrolled their own since). Returns whether one was added."""
    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return False
    TOTP.activate(user, DEMO_TOTP_SECRET)
    return True


def demo_totp_code(*, email: str) -> str:
    """The current code of a demo account's authenticator; refused for any account the demo did not enrol."""
    authenticator = Authenticator.objects.filter(user__email__iexact=email, type=Authenticator.Type.TOTP).first()
    if authenticator is None or decrypt(authenticator.data["secret"]) != DEMO_TOTP_SECRET:
        raise DomainError(
            _("%(email)s is not a demo account with the demo authenticator: no code is shown for it.")
            % {"email": email},
            code="not_a_demo_account",
        )
    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(DEMO_TOTP_SECRET, counter))
