"""Reads for applicants, already scoped to the person asking."""

from django.db.models import Prefetch, Q, QuerySet

from accounts.models import User
from matching.models import Assignment
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
