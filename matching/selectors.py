"""Reads for matching: querysets already scoped and already joined."""

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from matching.models import Program, ProgramPartner, Question

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
