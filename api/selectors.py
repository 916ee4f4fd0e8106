"""What each caller may read through the API, as querysets joined for the API's views.

Who may see which row is not decided here: each subject has one selector, shared with the pages,
downloads and webhooks, and these functions only join what the API shows on top of it:
applications `startups.selectors.applications_visible_to`, files `attachments_visible_to`,
assignments and reviews `matching.selectors.assignments_of` / `assignments_visible_to`, results
`round_results_visible_to`, the selection `selection_visible_to`, webhook subscriptions
`notifications.webhooks.webhook_subscriptions_visible_to`. Programs and rounds: staff all, others
the public ones (a partner's key: its partner's).
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from api.permissions import Access
from jobs.models import Job
from matching.models import (
    Assignment,
    Criterion,
    EvaluationRound,
    Panel,
    Program,
    ProgramPartner,
    Question,
    RoundResult,
    SelectionEntry,
)
from matching.selectors import (
    PUBLIC_STATUSES,
    assignments_of,
    assignments_visible_to,
    round_results_visible_to,
    selection_visible_to,
)
from startups.models import Application, Startup, Submission
from startups.selectors import (
    applications_visible_to,
    attachments_visible_to,
    member_startup_ids,
    partner_program_ids,
)


def programs_for(access: Access) -> QuerySet[Program]:
    """Staff: every program. Others: the public ones (open, closed, reviewing, finalised); a
    partner's key: only those of its partner (while its user is a current member)."""
    programs = Program.objects.all() if access.is_staff else Program.objects.filter(status__in=PUBLIC_STATUSES)
    if access.partner_id is not None:
        programs = programs.filter(pk__in=partner_program_ids(access))
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
        .prefetch_related(
            Prefetch("criteria", queryset=Criterion.objects.order_by("order", "pk").prefetch_related("tracks")),
            Prefetch("panels", queryset=Panel.objects.prefetch_related("tracks")),
        )
        .order_by("program_id", "order")
    )


def applications_for(access: Access) -> QuerySet[Application]:
    """The applications the caller may read (`applications_visible_to`)."""
    return applications_visible_to(actor=access)


def own_startup_ids(access: Access) -> frozenset[int]:
    """The startups the caller is an active member of (`member_startup_ids`); none for a partner's key."""
    return frozenset(member_startup_ids(access).values_list("startup_id", flat=True))


def round_results_for(access: Access) -> QuerySet[RoundResult]:
    """The results the caller may read (`round_results_visible_to`), joined for the API."""
    return (
        round_results_visible_to(actor=access)
        .select_related("round", "application")
        .order_by("round__program_id", "round__order", "rank", "pk")
    )


def attachment_ids_downloadable(access: Access, *, application: Application) -> frozenset[int]:
    """The application's files the caller may fetch through the download view (`attachments_visible_to`)."""
    return frozenset(attachments_visible_to(actor=access, applications=[application.pk]).values_list("pk", flat=True))


def startups_for(access: Access) -> QuerySet[Startup]:
    """Staff: all. Others: the startups they are active members of (not through a partner's key)
    and the startups of the applications they see."""
    startups = Startup.objects.all()
    if not access.is_staff:
        visible = Q(pk__in=applications_for(access).values("startup_id")) | Q(pk__in=member_startup_ids(access))
        startups = startups.filter(visible)
    return startups.prefetch_related("sectors").order_by("name_ko", "pk")


def selection_for(access: Access) -> QuerySet[SelectionEntry]:
    """The selection entries the caller may read (`selection_visible_to`), joined for the API."""
    return (
        selection_visible_to(actor=access)
        .select_related("application__startup", "partner")
        .order_by(
            "program_id",
            "-outcome",
            "position",
            "pk",  # selected, reserve, not selected
        )
    )


def assignment_sheet_queryset(access: Access, *, writing: bool = False) -> QuerySet[Assignment]:
    """The assignments the caller reads (`assignments_visible_to`) or writes (only their own in force,
    `assignments_of`, staff included: nobody else's is found), with everything the score sheet reads in
    a fixed number of queries: the criteria, the saved scores, the last submitted version of the
    application and the program's questions."""
    assignments = assignments_of(actor=access) if writing else assignments_visible_to(actor=access)
    latest = Submission.objects.filter(
        number=Subquery(
            Submission.objects.filter(application_id=OuterRef("application_id"))
            .order_by("-number")
            .values("number")[:1]
        )
    )
    return assignments.select_related("application__program").prefetch_related(
        Prefetch("round__criteria", queryset=Criterion.objects.order_by("order", "pk").prefetch_related("tracks")),
        "review__scores",
        Prefetch("application__submissions", queryset=latest),
        "application__program__questions",
    )


def jobs_for(access: Access) -> QuerySet[Job]:
    """Staff see every job; anyone else only the jobs they started."""
    jobs = Job.objects.all() if access.is_staff else Job.objects.filter(created_by=access.user)
    return jobs.order_by("-created_at", "-pk")
