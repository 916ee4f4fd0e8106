"""Reads for matching: querysets already scoped and already joined."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from matching.models import Assignment, Criterion, EvaluationRound, Program, ProgramPartner, Question

# Programs anyone may look at; drafts are still being prepared and archived ones are gone.
PUBLIC_STATUSES = (
    Program.Status.OPEN,
    Program.Status.CLOSED,
    Program.Status.REVIEWING,
    Program.Status.FINALISED,
)


def _partnerships() -> Prefetch:
    return Prefetch("partnerships", queryset=ProgramPartner.objects.select_related("partner").order_by("partner__name"))


def programs_public() -> QuerySet[Program]:
    """Every program the public may see, with its tracks."""
    return Program.objects.filter(status__in=PUBLIC_STATUSES).prefetch_related("tracks")


def programs_accepting_or_upcoming(*, now: dt.datetime) -> QuerySet[Program]:
    """Open calls whose deadline has not passed (including those whose window starts later),
    the soonest deadline first."""
    return (
        programs_public()
        .filter(status=Program.Status.OPEN, closes_at__gt=now)
        .prefetch_related(_partnerships())
        .order_by("closes_at", "pk")
    )


def program_public_get(*, slug: str) -> Program:
    """A public program with everything its page shows; 404 for drafts, archived and unknown slugs."""
    queryset = programs_public().prefetch_related(
        "declarations",
        Prefetch(
            "questions",
            queryset=Question.objects.filter(kind=Question.Kind.FILE).select_related("track"),
            to_attr="file_questions",
        ),
        _partnerships(),
    )
    return get_object_or_404(queryset, slug=slug)


def assignments_of(*, user) -> QuerySet[Assignment]:
    """The evaluator's own assignments in rounds that have opened for scoring, newest round first."""
    if not user.is_authenticated:
        return Assignment.objects.none()
    return (
        Assignment.objects.filter(evaluator__user=user)
        .exclude(round__status__in=[EvaluationRound.Status.SETUP, EvaluationRound.Status.ASSIGNING])
        .select_related("round__program", "application__startup", "application__track", "review")
        .order_by("-round__opens_at", "round_id", "application__receipt_number", "pk")
    )


def assignment_for_scoring(*, user, pk: int) -> Assignment:
    """One of the evaluator's assignments with what its page shows; Assignment.DoesNotExist otherwise."""
    return (
        assignments_of(user=user)
        .prefetch_related(
            Prefetch("round__criteria", queryset=Criterion.objects.order_by("order", "pk")),
            "review__scores",
            "application__submissions",
            "application__attachments",
            "application__program__questions",
            "application__program__declarations",
        )
        .get(pk=pk)
    )
