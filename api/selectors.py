"""What each caller may read through the API, as querysets already scoped and joined.

Staff see everything. A partner's key (or a partner's member) sees the programs the partner takes
part in and, in them, the finalists (applications advanced, selected or on the reserve list).
Applicants see their own startups and applications; evaluators reach applications only through
their assignments (`/assignments/`), without identities in a blind round.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from api.permissions import Access
from matching.models import Criterion, EvaluationRound, PartnerMembership, Program, ProgramPartner, Question
from matching.selectors import PUBLIC_STATUSES
from startups.models import Application, StartupMember

FINALIST_STATUSES = (Application.Status.ADVANCED, Application.Status.SELECTED, Application.Status.RESERVE)


def partner_ids_of(access: Access) -> list[int]:
    """The partners whose data the caller sees: the key's partner, or every partner the person belongs to."""
    if access.partner_id is not None:
        return [access.partner_id]
    return list(PartnerMembership.objects.filter(user=access.user).values_list("partner_id", flat=True))


def programs_for(access: Access) -> QuerySet[Program]:
    """Staff: every program. Others: the public ones (open, closed, reviewing, finalised); a
    partner's key: only those the partner takes part in."""
    programs = Program.objects.all() if access.is_staff else Program.objects.filter(status__in=PUBLIC_STATUSES)
    if access.partner_id is not None:
        programs = programs.filter(partnerships__partner_id=access.partner_id)
    return programs.order_by("-opens_at", "pk")


def program_detail_queryset(access: Access) -> QuerySet[Program]:
    return programs_for(access).prefetch_related(
        "tracks",
        Prefetch("partnerships", queryset=ProgramPartner.objects.select_related("partner").order_by("partner__name")),
        Prefetch("questions", queryset=Question.objects.select_related("track").order_by("order", "pk")),
    )


def rounds_for(access: Access) -> QuerySet[EvaluationRound]:
    """Rounds of the programs the caller sees, with their criteria."""
    return (
        EvaluationRound.objects.filter(program__in=programs_for(access).values("pk"))
        .select_related("program", "partner")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("order", "pk")))
        .order_by("program_id", "order")
    )


def applications_for(access: Access) -> QuerySet[Application]:
    """Staff: all. A partner: the finalists of its programs. An applicant: their startups'
    applications. Nobody else sees any (evaluators read theirs through assignments)."""
    if access.is_staff:
        return Application.objects.all()
    partners = partner_ids_of(access)
    visible = Q(program__partnerships__partner_id__in=partners, status__in=FINALIST_STATUSES) if partners else Q()
    if access.partner_id is None:
        own = Q(startup__members__user=access.user, startup__members__status=StartupMember.Status.ACTIVE)
        visible = (visible | own) if partners else own
    elif not partners:
        return Application.objects.none()
    return Application.objects.filter(pk__in=Application.objects.filter(visible).values("pk"))
