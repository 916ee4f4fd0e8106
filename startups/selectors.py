"""Reads for applicants, and the access rules for applications and their files.

`applications_visible_to` and `attachments_visible_to` are the one answer to "which applications /
files may this actor see" (DESIGN "Access rules"); every page, download, API view and webhook asks
them. `applications_changeable_by` is the applicant's own working copy (the applicant pages). They
share the words of the models: `StartupMember.objects.active()` (an active member),
`PartnerMembership.objects.current()` (a current partner member), `Assignment.objects.in_force()`
(an assigned evaluator)."""

import dataclasses
from collections import defaultdict
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import User
from core.access import Actor
from matching.models import (
    Declaration,
    PartnerMembership,
    Program,
    ProgramPartner,
    Question,
    Track,
)
from startups.models import Application, Attachment, Startup, StartupMember, Submission

# Applications a partner of the program may read: those that went on past a round, or were chosen.
FINALIST_STATUSES = (Application.Status.ADVANCED, Application.Status.SELECTED, Application.Status.RESERVE)


def startups_of(*, user: User) -> QuerySet[Startup]:
    """The startups this person is an active member of."""
    return Startup.objects.filter(pk__in=member_startup_ids(user))


def membership_of(*, user: User) -> StartupMember | None:
    return StartupMember.objects.active().filter(user=user).select_related("startup").order_by("created_at").first()


def member_startup_ids(actor: Any) -> QuerySet:
    """The startups the actor acts for as an active member (a subquery of `startup_id`); none for a
    partner's key (it acts for the partner)."""
    actor = Actor.of(actor)
    if actor.partner_id is not None:
        return StartupMember.objects.none().values("startup_id")
    return StartupMember.objects.active().filter(user=actor.user).values("startup_id")


def partner_program_ids(actor: Any) -> QuerySet:
    """The programs of the partners the actor acts for through a current membership (a subquery)."""
    partners = PartnerMembership.objects.acted_through(Actor.of(actor)).values("partner_id")
    return ProgramPartner.objects.filter(partner_id__in=partners).values("program_id")


def _finalists_of_partners(actor: Actor) -> Q:
    """The finalists of the programs of the partners the actor acts for through a current membership."""
    return Q(status__in=FINALIST_STATUSES, program_id__in=partner_program_ids(actor))


def applications_changeable_by(*, actor: Any) -> QuerySet[Application]:
    """The applicant's own: the applications of the startups the person is an active member of (the
    applicant pages edit, submit and withdraw only these). A partner's key acts for the partner: none."""
    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return Application.objects.none()
    return Application.objects.filter(startup_id__in=member_startup_ids(actor)).select_related(
        "program", "startup", "track"
    )


def applications_visible_to(*, actor: Any) -> QuerySet[Application]:
    """The application records an actor may read. Staff: all. An applicant: their startups'
    (active member). A current partner member (or a partner's key, while its user still is one): the
    finalists of the partner's programs. Evaluators read an application only as the submitted version
    on their score sheet, while the assignment is in force (`matching.selectors.assignments_of`)."""
    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return Application.objects.none()
    if actor.is_staff:
        return Application.objects.all()
    return Application.objects.filter(_finalists_of_partners(actor) | Q(startup_id__in=member_startup_ids(actor)))


def current_attachments(application: Application) -> QuerySet[Attachment]:
    return application.attachments.filter(detached_at__isnull=True).select_related("question").order_by("uploaded_at")


def application_for_editing(*, user: User, pk: int) -> Application:
    """The application with everything its form shows, or Application.DoesNotExist (a 404 to the view)."""
    return (
        applications_changeable_by(actor=user)
        .prefetch_related(
            "answers",
            "declaration_answers",
            "partner_preferences",
            Prefetch("attachments", queryset=Attachment.objects.filter(detached_at__isnull=True), to_attr="current"),
        )
        .get(pk=pk)
    )


def _submitted_files(*, assigned: QuerySet, finalists: QuerySet) -> tuple[set[int], set[int]]:
    """The files listed in the last submitted version (never a draft upload or a file added later) of
    the applications assigned to the actor, and of the partner's finalists, in one query."""
    last = Submission.objects.filter(application_id=OuterRef("application_id")).order_by("-number").values("number")
    wanted = Q(application_id__in=assigned.values("application_id")) | Q(application_id__in=finalists.values("pk"))
    rows = (
        Submission.objects.filter(wanted, number=Subquery(last[:1]))
        .annotate(
            assigned=Exists(assigned.filter(application_id=OuterRef("application_id"))),
            finalist=Exists(finalists.filter(pk=OuterRef("application_id"))),
        )
        .values_list("assigned", "finalist", "snapshot")
    )
    given: set[int] = set()
    shown: set[int] = set()
    for is_assigned, is_finalist, snapshot in rows:
        ids = {file["id"] for file in (snapshot or {}).get("attachments", [])}
        given |= ids if is_assigned else set()
        shown |= ids if is_finalist else set()
    return given, shown


def attachments_visible_to(*, actor: Any, applications: Any = None) -> QuerySet[Attachment]:
    """The files an actor may download. Staff: all. An applicant: their startups' (active member),
    working copy included. An evaluator: the files of the submitted version of each application
    assigned to them while the assignment is in force (`Assignment.objects.in_force()`), never a
    draft upload. A current partner member (or a partner's key): the files, in the submitted version
    of the partner's finalists, that answer a question shown to partners. `applications` (ids, or a
    subquery of ids): only the files of those, reading only their submissions, not every assigned
    and finalist application's."""
    from matching.selectors import assignments_of  # matching.selectors reads applications from here

    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return Attachment.objects.none()
    files = Attachment.objects.all()
    if applications is not None:
        files = files.filter(application_id__in=applications)
    if actor.is_staff:
        return files
    assigned = assignments_of(actor=actor).order_by()
    finalists = Application.objects.filter(_finalists_of_partners(actor))
    if applications is not None:
        assigned = assigned.filter(application_id__in=applications)
        finalists = finalists.filter(pk__in=applications)
    given, shown = _submitted_files(assigned=assigned, finalists=finalists)
    return files.filter(
        Q(application__startup_id__in=member_startup_ids(actor))
        | Q(pk__in=given, application_id__in=assigned.values("application_id"))
        | Q(pk__in=shown, application_id__in=finalists.values("pk"), question__shown_to_partners=True)
    )


def submission_for_partner(snapshot: dict[str, Any], *, questions: dict[str, Any]) -> dict[str, Any]:
    """What a partner reads of a submission (DESIGN "Access rules"): the answers to questions shown to
    partners, no declarations and no ranking of other partners. Files follow `attachments_visible_to`."""
    answers = snapshot.get("answers") or {}
    shown = {code for code, question in questions.items() if question.shown_to_partners}
    english = {}
    if "answers_en" in snapshot:  # the program asks for English answers for partners
        english = {"answers_en": {c: v for c, v in snapshot["answers_en"].items() if c in shown}}
    return {
        **snapshot,
        **english,
        "answers": {
            code: value for code, value in answers.items() if code in questions and questions[code].shown_to_partners
        },
        "declarations": {},
        "preferences": [],
    }


def attachment_name_for(*, attachment: Attachment, actor: Any) -> str:
    """The file name an actor may see: an evaluator in a blind round gets a neutral one."""
    actor = Actor.of(actor)
    if actor.is_staff or member_startup_ids(actor).filter(startup_id=attachment.application.startup_id).exists():
        return attachment.original_name
    from matching.selectors import assignments_of  # matching.selectors reads applications from here

    blind = assignments_of(actor=actor).filter(application_id=attachment.application_id, round__blind=True)
    if blind.exists():
        suffix = attachment.original_name.rsplit(".", 1)[-1] if "." in attachment.original_name else "bin"
        return f"document-{attachment.pk}.{suffix}"
    return attachment.original_name


def join_requests_of(*, user: User) -> QuerySet[StartupMember]:
    """This person's requests to join a startup that no owner has answered yet."""
    return StartupMember.objects.filter(user=user, status=StartupMember.Status.REQUESTED).select_related("startup")


def members_of(*, startup: Startup) -> QuerySet[StartupMember]:
    """Everyone attached to the startup (active, asking to join, declined), owners first."""
    return (
        StartupMember.objects.filter(startup=startup)
        .select_related("user")
        .order_by("-role", "created_at", "pk")  # "owner" sorts after "member": reversed puts owners first
    )


def memberships_decidable_by(*, user: User) -> QuerySet[StartupMember]:
    """Memberships of the startups this person is an active member of (the service checks ownership)."""
    return StartupMember.objects.filter(startup__in=startups_of(user=user)).select_related("startup", "user")


@dataclasses.dataclass(frozen=True)
class ProgramForm:
    """What a program's application form is made of, loaded once."""

    tracks: list[Track]
    questions: list[Question]
    declarations: list[Declaration]
    partners: list[ProgramPartner]


def program_form(*, program: Program) -> ProgramForm:
    return ProgramForm(
        tracks=list(Track.objects.filter(program=program).order_by("order", "pk")),
        questions=list(Question.objects.filter(program=program).select_related("track").order_by("order", "pk")),
        declarations=list(Declaration.objects.filter(program=program).order_by("order", "pk")),
        partners=list(
            ProgramPartner.objects.filter(program=program).select_related("partner").order_by("partner__name", "pk")
        ),
    )


def applications_of(*, user: User) -> QuerySet[Application]:
    """The person's applications for the list page, newest program first."""
    return applications_changeable_by(actor=user).order_by("-program__closes_at", "-pk")


def active_members_by_startup(startup_ids: set[int]) -> dict[int, list[Any]]:
    """Active members of the startups, in one query."""
    members: dict[int, list[Any]] = defaultdict(list)
    rows = StartupMember.objects.active().filter(startup_id__in=startup_ids).select_related("user")
    for membership in rows:
        members[membership.startup_id].append(membership.user)
    return members


def published_partner_of(*, application: Application) -> Any:
    """The partner the application was matched to, once the program's matching is published (its latest
    matching run has `published_at`, and the selection entry names the partner); None before it, so
    an applicant learns nothing about partners from the matching until then."""
    from matching.models import MatchingRun, SelectionEntry

    latest = MatchingRun.objects.filter(program_id=application.program_id).order_by("-created_at", "-pk")
    published = latest.values("published_at")[:1]
    entry = (
        SelectionEntry.objects.filter(application=application, partner__isnull=False)
        .annotate(published_at=Subquery(published))
        .filter(published_at__isnull=False)
        .select_related("partner")
        .first()
    )
    return entry.partner if entry else None
