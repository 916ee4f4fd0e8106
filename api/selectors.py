"""What each caller may read through the API, as querysets already scoped and joined.

Staff see everything. A partner's key (or a partner's member) sees the programs the partner takes
part in and, in them, the finalists (applications advanced, selected or on the reserve list).
Applicants see their own startups and applications; evaluators reach applications only through
their assignments (`/assignments/`), without identities in a blind round.
"""

from __future__ import annotations

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery

from api.models import Job
from api.permissions import Access
from matching.models import (
    Assignment,
    Criterion,
    Declaration,
    EvaluationRound,
    PartnerMembership,
    Program,
    ProgramPartner,
    Question,
    RoundResult,
    SelectionEntry,
)
from matching.selectors import PUBLIC_STATUSES, assignments_of
from startups.models import Application, Startup, StartupMember, Submission
from startups.selectors import attachments_downloadable_by

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


def own_startup_ids(access: Access) -> frozenset[int]:
    """The startups the caller is an active member of; none for a partner's key (it acts for the partner)."""
    if access.partner_id is not None:
        return frozenset()
    return frozenset(
        StartupMember.objects.filter(user=access.user, status=StartupMember.Status.ACTIVE).values_list(
            "startup_id", flat=True
        )
    )


def round_results_for(access: Access) -> QuerySet[RoundResult]:
    """Staff: every result. Others: results of published rounds, for the applications they see."""
    results = RoundResult.objects.all()
    if not access.is_staff:
        results = results.filter(
            round__status=EvaluationRound.Status.PUBLISHED, application__in=applications_for(access).values("pk")
        )
    return results.select_related("round", "application").order_by("round__program_id", "round__order", "rank", "pk")


def application_list_queryset(access: Access) -> QuerySet[Application]:
    """The applications the caller sees, joined for the list, with the results the caller may see
    (newest round first) in `visible_results`."""
    results = RoundResult.objects.select_related("round").order_by("-round__order", "-pk")
    if not access.is_staff:
        results = results.filter(round__status=EvaluationRound.Status.PUBLISHED)
    return (
        applications_for(access)
        .select_related("track", "startup")  # the list shows the program's id only: no join
        .prefetch_related(Prefetch("round_results", queryset=results, to_attr="visible_results"))
        .order_by("program_id", "receipt_number", "pk")
    )


def application_detail_queryset(access: Access) -> QuerySet[Application]:
    """As the list, plus what the detail reads: the submissions (newest first), the program's
    questions, declarations and partners."""
    return (
        application_list_queryset(access)
        .select_related("program")
        .prefetch_related(
            Prefetch("submissions", queryset=Submission.objects.order_by("-number")),
            Prefetch("program__questions", queryset=Question.objects.order_by("order", "pk")),
            Prefetch("program__declarations", queryset=Declaration.objects.order_by("order", "pk")),
            Prefetch("program__partnerships", queryset=ProgramPartner.objects.select_related("partner")),
        )
    )


def attachment_ids_downloadable(access: Access, *, application: Application) -> frozenset[int]:
    """The application's files the caller may fetch through the download view (a partner's key: none)."""
    if access.partner_id is not None:
        return frozenset()
    return frozenset(
        attachments_downloadable_by(user=access.user).filter(application_id=application.pk).values_list("pk", flat=True)
    )


def startups_for(access: Access) -> QuerySet[Startup]:
    """Staff: all. Others: the startups they are active members of (not through a partner's key)
    and the startups of the applications they see."""
    startups = Startup.objects.all()
    if not access.is_staff:
        visible = Q(pk__in=applications_for(access).values("startup_id"))
        if access.partner_id is None:
            visible |= Q(
                pk__in=StartupMember.objects.filter(user=access.user, status=StartupMember.Status.ACTIVE).values(
                    "startup_id"
                )
            )
        startups = startups.filter(visible)
    return startups.prefetch_related("sectors").order_by("name_ko", "pk")


def selection_for(access: Access) -> QuerySet[SelectionEntry]:
    """Staff: every entry. Others: entries of finalised programs, for the applications they see
    (a partner: the selected and reserve of its programs; an applicant: their own)."""
    entries = SelectionEntry.objects.all()
    if not access.is_staff:
        entries = entries.filter(
            program__status=Program.Status.FINALISED, application__in=applications_for(access).values("pk")
        )
    return entries.select_related("application__startup", "partner").order_by(
        "program_id",
        "-outcome",
        "position",
        "pk",  # selected, reserve, not selected
    )


def own_assignments(access: Access) -> QuerySet[Assignment]:
    """The caller's own assignments (the evaluator page's selector); a partner's key only reaches
    the partner's programs."""
    assignments = assignments_of(user=access.user)
    if access.partner_id is not None:
        assignments = assignments.filter(round__program__in=programs_for(access).values("pk"))
    return assignments


def assignments_for(access: Access) -> QuerySet[Assignment]:
    """Staff: every assignment, read-only. Everybody else: their own."""
    if not access.is_staff:
        return own_assignments(access)
    return Assignment.objects.select_related(
        "round__program", "application__startup", "application__track", "review"
    ).order_by("-round__opens_at", "round_id", "application__receipt_number", "pk")


def assignment_sheet_queryset(access: Access, *, writing: bool = False) -> QuerySet[Assignment]:
    """The assignments the caller reads (`assignments_for`) or writes (only their own, staff included:
    nobody else's is found), with everything the score sheet reads in a fixed number of queries: the
    criteria, the saved scores, the last submitted version of the application and the program's questions."""
    assignments = own_assignments(access) if writing else assignments_for(access)
    latest = Submission.objects.filter(
        number=Subquery(
            Submission.objects.filter(application_id=OuterRef("application_id"))
            .order_by("-number")
            .values("number")[:1]
        )
    )
    return assignments.select_related("application__program").prefetch_related(
        Prefetch("round__criteria", queryset=Criterion.objects.order_by("order", "pk")),
        "review__scores",
        Prefetch("application__submissions", queryset=latest),
        "application__program__questions",
    )


def jobs_for(access: Access) -> QuerySet[Job]:
    """Staff see every job; anyone else only the jobs they started."""
    jobs = Job.objects.all() if access.is_staff else Job.objects.filter(created_by=access.user)
    return jobs.order_by("-created_at", "-pk")
