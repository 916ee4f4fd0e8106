"""Evaluators: invited by staff by e-mail, they set their password and say what they know."""

import dataclasses
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from matching.models import EvaluationRound, Evaluator, Partner
from notifications.models import Notification
from notifications.services import notify


@dataclasses.dataclass(frozen=True)
class Invitation:
    evaluator: Evaluator
    accept_path: str
    created: bool


def invitation_path(user: User) -> str:
    """The one-time link to the welcome page; it stops working once the password is set."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("evaluator:welcome", args=[uid, default_token_generator.make_token(user)])


@transaction.atomic
def evaluator_invite(
    *,
    email: str,
    name: str,
    organisation: str = "",
    partner: Partner | None = None,
    round: EvaluationRound | None = None,  # noqa: A002
    by: User,
) -> Invitation:
    """Make `email` an evaluator (creating the account without a usable password if needed), put
    them in the round's pool when given, and queue an invitation with a link to set a password.
    Inviting the same person again queues a fresh invitation."""
    email = User.objects.normalize_email(email).strip().lower()
    if not email:
        raise DomainError(_("Enter an e-mail address."), code="email_required")
    user = User.objects.filter(email__iexact=email).first()
    created = user is None
    if created:
        user = User.objects.create_user(email=email, password=None, name=name.strip())
    evaluator, _new = Evaluator.objects.get_or_create(
        user=user, defaults={"organisation": organisation, "partner": partner}
    )
    evaluator.invited_at = timezone.now()
    evaluator.save(update_fields=["invited_at"])
    if round is not None:
        round.evaluators.add(evaluator)
    path = invitation_path(user)
    notify(
        event=Notification.Event.EVALUATOR_INVITED,
        recipient=user,
        obj=evaluator,
        scope=evaluator.invited_at.isoformat(),
        program=round.program if round else None,
        context={"accept_path": path, "round": round.name if round else "", "invited_by": by.get_full_name()},
    )
    audit_record(actor=by, obj=evaluator, verb="evaluator_invited", data={"round": round.pk if round else None})
    return Invitation(evaluator=evaluator, accept_path=path, created=created)


@transaction.atomic
def evaluator_accept_invitation(*, user: User, data: dict[str, Any]) -> Evaluator:
    """The invited person sets a password and their profile; their address is thereby confirmed."""
    evaluator = Evaluator.objects.select_for_update().get(user=user)
    user.name = data["name"].strip()
    user.preferred_language = data.get("preferred_language") or user.preferred_language
    user.set_password(data["password"])
    user.save(update_fields=["name", "preferred_language", "password"])
    evaluator.organisation = data.get("organisation", "").strip()
    evaluator.save(update_fields=["organisation"])
    if "expertise" in data:
        evaluator.expertise.set(data["expertise"])
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "primary": True, "verified": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    audit_record(actor=user, obj=evaluator, verb="evaluator_joined")
    return evaluator
