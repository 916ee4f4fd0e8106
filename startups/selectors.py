"""Reads for applicants, already scoped to the person asking."""

import dataclasses
from collections import defaultdict
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from matching.models import Assignment, Declaration, Program, ProgramPartner, Question, Track
from startups.models import Application, Attachment, Startup, StartupMember


def startups_of(*, user: User) -> QuerySet[Startup]:
    """The startups this person is an active member of."""
    return Startup.objects.filter(members__user=user, members__status=StartupMember.Status.ACTIVE).distinct()


def membership_of(*, user: User) -> StartupMember | None:
    return (
        StartupMember.objects.filter(user=user, status=StartupMember.Status.ACTIVE)
        .select_related("startup")
        .order_by("created_at")
        .first()
    )


def applications_visible_to(*, user: User) -> QuerySet[Application]:
    """Applications of the startups this person is an active member of."""
    if not user.is_authenticated:
        return Application.objects.none()
    return Application.objects.filter(
        startup__members__user=user, startup__members__status=StartupMember.Status.ACTIVE
    ).select_related("program", "startup", "track")


def current_attachments(application: Application) -> QuerySet[Attachment]:
    return application.attachments.filter(detached_at__isnull=True).select_related("question").order_by("uploaded_at")


def application_for_editing(*, user: User, pk: int) -> Application:
    """The application with everything its form shows, or Application.DoesNotExist (a 404 to the view)."""
    return (
        applications_visible_to(user=user)
        .prefetch_related(
            "answers",
            "declaration_answers",
            "partner_preferences",
            Prefetch("attachments", queryset=Attachment.objects.filter(detached_at__isnull=True), to_attr="current"),
        )
        .get(pk=pk)
    )


def attachments_downloadable_by(*, user: User) -> QuerySet[Attachment]:
    """Staff: all; applicants: their startup's files; evaluators: files of applications assigned to them."""
    if not user.is_authenticated or not user.is_active:
        return Attachment.objects.none()
    if user.is_staff:
        return Attachment.objects.all()
    team = StartupMember.objects.filter(user=user, status=StartupMember.Status.ACTIVE).values("startup_id")
    assigned = (
        Assignment.objects.filter(evaluator__user=user)
        .exclude(status=Assignment.Status.RECUSED)
        .values("application_id")
    )
    return Attachment.objects.filter(Q(application__startup_id__in=team) | Q(application_id__in=assigned))


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
    return StartupMember.objects.filter(
        startup__in=Startup.objects.filter(members__user=user, members__status=StartupMember.Status.ACTIVE)
    ).select_related("startup", "user")


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
    return applications_visible_to(user=user).order_by("-program__closes_at", "-pk")


def attachment_name_for(*, attachment: Attachment, user: User) -> str:
    """The file name this person may see: evaluators in a blind round get a neutral one."""
    if user.is_staff:
        return attachment.original_name
    team = StartupMember.objects.filter(
        startup_id=attachment.application.startup_id, user=user, status=StartupMember.Status.ACTIVE
    )
    if team.exists():
        return attachment.original_name
    blind = Assignment.objects.filter(application_id=attachment.application_id, evaluator__user=user, round__blind=True)
    if blind.exists():
        suffix = attachment.original_name.rsplit(".", 1)[-1] if "." in attachment.original_name else "bin"
        return f"document-{attachment.pk}.{suffix}"
    return attachment.original_name


def active_members_by_startup(startup_ids: set[int]) -> dict[int, list[Any]]:
    """Active members of the startups, in one query."""
    members: dict[int, list[Any]] = defaultdict(list)
    rows = StartupMember.objects.filter(startup_id__in=startup_ids, status=StartupMember.Status.ACTIVE).select_related(
        "user"
    )
    for membership in rows:
        members[membership.startup_id].append(membership.user)
    return members
