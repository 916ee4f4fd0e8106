"""Evaluator assignment: conflict detection, the automatic assignment job, manual changes.

The algorithm is `matching.assignment.assign` (pure); here rows are loaded in bulk, handed to it,
and its pairs written in bulk, all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from core.errors import DomainError
from core.lifecycle import transition
from jobs.models import Job
from jobs.services import Progress, job_start, no_progress
from matching.assignment import Problem, assign, assign_by_panel, detect_conflicts
from matching.models import Assignment, Conflict, EvaluationRound, Evaluator, Panel, Review, RoundResult, Track
from matching.services.exclusions import exclusion_conflicts_record
from matching.services.reminders import round_reviews_complete_notify_on_commit
from notifications.models import Notification
from notifications.services import notify_many
from startups.models import Application, Startup, StartupMember

R = EvaluationRound.Status
# Assigning happens while the round is being set up; a slot freed by a recusal during scoring is
# filled by running the job again.
ASSIGNABLE_STATUSES = (R.ASSIGNING, R.SCORING)


@dataclass
class AssignmentReport:
    """What an assignment run did, or why it could not."""

    round_id: int
    applications: int = 0
    created: int = 0
    conflicts_detected: int = 0
    loads: dict[int, int] = field(default_factory=dict)  # evaluator id → assignments in the round
    overlap_share: float = 0.0  # share of the new assignments whose evaluator knows the sector
    strictly_balanced: bool = True
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def load_min(self) -> int:
        return min(self.loads.values(), default=0)

    @property
    def load_max(self) -> int:
        return max(self.loads.values(), default=0)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["loads"] = {str(k): v for k, v in self.loads.items()}
        data.update(load_min=self.load_min, load_max=self.load_max)
        return data


class AssignmentImpossible(DomainError):
    """No assignment was written; `report.problems` names each application that cannot be served."""

    code = "assignment_impossible"

    def __init__(self, report: AssignmentReport) -> None:
        self.report = report
        shown = "; ".join(_problem_text(p) for p in report.problems[:5])
        more = len(report.problems) - 5
        message = _("No evaluators were assigned: %(problems)s") % {"problems": shown}
        if more > 0:
            message += " " + _("(and %(count)s more)") % {"count": more}
        super().__init__(message)


def _problem_text(problem: dict[str, Any]) -> str:
    label = problem.get("receipt_number") or problem.get("application_id")
    return f"{label}: {problem['reason']}" if label else problem["reason"]


def round_applications(*, round: EvaluationRound) -> QuerySet[Application]:  # noqa: A002
    """The applications a round reviews: in round 1 the program's applications in review; in a later
    round those that advanced in the round before it."""
    previous = (
        EvaluationRound.objects.filter(program_id=round.program_id, order__lt=round.order).order_by("-order").first()
    )
    if previous is None:
        return Application.objects.filter(program_id=round.program_id, status=Application.Status.IN_REVIEW)
    advanced = RoundResult.objects.filter(round=previous, advanced=True).values("application_id")
    return Application.objects.filter(pk__in=advanced).exclude(
        status__in=[Application.Status.WITHDRAWN, Application.Status.INELIGIBLE, Application.Status.NOT_SELECTED]
    )


def conflicts_detect(*, round: EvaluationRound) -> int:  # noqa: A002
    """Record the conflicts the data shows between the round's pool and its applicants: an evaluator
    who is an active member of the startup (`member`), or whose e-mail domain equals an active
    member's, unless it is a public mail service (`email_domain`). Returns how many were new."""
    pool = {pk: (user_id, email) for pk, user_id, email in round.evaluators.values_list("pk", "user_id", "user__email")}
    return _conflicts_detect(pool=pool, applications=round_applications(round=round))


def _conflicts_detect(*, pool: dict[int, tuple[int, str]], applications: QuerySet[Application]) -> int:
    if not pool:
        return 0
    startups = applications.values("startup_id")
    members = StartupMember.objects.active().filter(startup_id__in=startups)
    found = detect_conflicts(
        evaluators=pool, members=members.values_list("startup_id", "user_id", "user__email").iterator()
    )
    if not found:
        return 0
    known = set(
        Conflict.objects.filter(evaluator_id__in=pool, startup_id__in=startups).values_list(
            "evaluator_id", "startup_id"
        )
    )
    new = [
        Conflict(evaluator_id=evaluator, startup_id=startup, source=source)
        for (evaluator, startup), source in sorted(found.items())
        if (evaluator, startup) not in known
    ]
    Conflict.objects.bulk_create(new, ignore_conflicts=True)  # a concurrent run may have made some
    return len(new)


def panel_tracks_check(*, panels_of_track: Mapping[int, int], needed: Iterable[int]) -> None:
    """The rule for a round's panels (the assignment and the round admin both apply it): no track is
    served by more than one panel, and every track in `needed` (its applications' tracks) by one.
    `panels_of_track`: track id → how many panels serve it. Refused naming the track (the first in order)."""
    twice = [track for track, count in panels_of_track.items() if count > 1]
    if twice:
        track = Track.objects.filter(pk__in=twice).order_by("order", "pk").first()
        raise DomainError(
            _("The track “%(track)s” is served by more than one panel.") % {"track": track},
            code="track_in_two_panels",
        )
    unserved = [track for track in needed if not panels_of_track.get(track)]
    if unserved:
        track = Track.objects.filter(pk__in=unserved).order_by("order", "pk").first()
        raise DomainError(_("No panel serves the track “%(track)s”.") % {"track": track}, code="track_without_panel")


def round_panels(
    *,
    round: EvaluationRound,  # noqa: A002
    tracks: set[int | None],
) -> tuple[dict[int, int], dict[int, set[int]]]:
    """The panel serving each of `tracks` (track id → panel id) and each panel's evaluators, for a round
    with panels. Refused, naming the track, when a track has no panel or more than one
    (`panel_tracks_check`), or when an application has no track: the assignment could not say whose
    evaluators it draws from."""
    if None in tracks:
        raise DomainError(
            _("An application without a track cannot be assigned in a round with panels; set its track first."),
            code="application_without_track",
        )
    served: dict[int, list[int]] = {}
    for panel_id, track_id in Panel.tracks.through.objects.filter(panel__round=round).values_list(
        "panel_id", "track_id"
    ):
        served.setdefault(track_id, []).append(panel_id)
    panel_tracks_check(panels_of_track={track: len(served.get(track, ())) for track in tracks}, needed=tracks)
    members: dict[int, set[int]] = {}
    for panel_id, evaluator_id in Panel.evaluators.through.objects.filter(panel__round=round).values_list(
        "panel_id", "evaluator_id"
    ):
        members.setdefault(panel_id, set()).add(evaluator_id)
    return {track: served[track][0] for track in tracks}, members


def _load_round(round_id: int) -> EvaluationRound:
    evaluation_round = (
        EvaluationRound.objects.select_for_update(of=("self",))
        .select_related("program")
        .annotate(has_panels=Exists(Panel.objects.filter(round=OuterRef("pk"))))
        .get(pk=round_id)
    )
    if evaluation_round.status not in ASSIGNABLE_STATUSES:
        raise DomainError(
            _("Evaluators are assigned while a round is assigning or scoring, not when it is “%(status)s”.")
            % {"status": evaluation_round.get_status_display()},
            code="round_not_assigning",
        )
    return evaluation_round


@transaction.atomic
def assignments_create(
    *,
    round: EvaluationRound,  # noqa: A002
    by: User | None,
    seed: int = 0,
    progress: Progress = no_progress,
) -> AssignmentReport:
    """Give every application of the round exactly k unconflicted evaluators from its pool, loads
    within one of each other, expertise overlap preferred; deterministic for a seed.

    Existing assignments stay and count toward k and the loads (a recused one does not, and its
    evaluator is not asked again), so a second run adds nothing and a run after a recusal fills the
    freed slot. All or nothing: when some application cannot be served, AssignmentImpossible carries
    the report and nothing is written.
    """
    evaluation_round = _load_round(round.pk)  # the lock serialises concurrent runs
    k = evaluation_round.evaluators_per_application
    report = AssignmentReport(round_id=evaluation_round.pk)
    applications = round_applications(round=evaluation_round)
    pool, organisation_of = {}, {}
    for pk, user_id, email, active, organisation in evaluation_round.evaluators.values_list(
        "pk", "user_id", "user__email", "is_active", "organisation"
    ):
        pool[pk], organisation_of[pk] = (user_id, email, active), organisation
    report.conflicts_detected = _conflicts_detect(
        pool={pk: (user_id, email) for pk, (user_id, email, _active) in pool.items()}, applications=applications
    )

    rows = list(applications.values_list("pk", "startup_id", "receipt_number", "track_id"))
    report.applications = len(rows)
    progress(0, len(rows))
    startup_of = {pk: startup for pk, startup, _receipt, _track in rows}
    receipt_of = {pk: receipt for pk, _startup, receipt, _track in rows}
    panels = (
        round_panels(round=evaluation_round, tracks={track for *_rest, track in rows})
        if evaluation_round.has_panels
        else None
    )
    startup_ids = applications.values("startup_id")

    sectors: dict[int, set[int]] = {}
    for startup, sector in Startup.sectors.through.objects.filter(startup_id__in=startup_ids).values_list(
        "startup_id", "sector_id"
    ):
        sectors.setdefault(startup, set()).add(sector)
    expertise: dict[int, set[int]] = {pk: set() for pk, (_user, _email, active) in pool.items() if active}
    for evaluator, sector in Evaluator.expertise.through.objects.filter(evaluator_id__in=list(expertise)).values_list(
        "evaluator_id", "sector_id"
    ):
        expertise[evaluator].add(sector)

    applications_by_startup: dict[int, list[int]] = {}
    for pk, startup in startup_of.items():
        applications_by_startup.setdefault(startup, []).append(pk)
    # accepted exclusion requests, also for evaluators of the organisation added since, as conflicts
    report.conflicts_detected += exclusion_conflicts_record(evaluators=organisation_of, startup_ids=startup_ids)
    forbidden = {
        (evaluator, app)
        for evaluator, startup in Conflict.objects.filter(
            evaluator_id__in=list(expertise), startup_id__in=startup_ids
        ).values_list("evaluator_id", "startup_id")
        for app in applications_by_startup.get(startup, ())
    }
    loads = dict.fromkeys(expertise, 0)
    existing: dict[int, set[int]] = {}
    for app, evaluator, status in Assignment.objects.filter(round=evaluation_round).values_list(
        "application_id", "evaluator_id", "status"
    ):
        if status == Assignment.Status.RECUSED:
            forbidden.add((evaluator, app))  # never asked again for the same application
        else:
            existing.setdefault(app, set()).add(evaluator)
            if evaluator in loads:
                loads[evaluator] += 1
    inputs = {
        "applications": {pk: sectors.get(startup_of[pk], set()) for pk in startup_of},
        "evaluators": expertise,
        "k": k,
        "forbidden": forbidden,
        "loads": loads,
        "existing": existing,  # counts toward k, also for evaluators since removed from the pool
        "seed": seed,
    }
    if panels is None:
        plan = assign(**inputs)
    else:
        panel_of_track, members = panels
        track_of = {pk: track for pk, _startup, _receipt, track in rows}
        plan = assign_by_panel(
            **inputs, panel_of={pk: panel_of_track[track_of[pk]] for pk in startup_of}, panels=members
        )
    report.loads = plan.loads
    report.strictly_balanced = plan.strictly_balanced
    if not plan.ok:
        report.problems = [_problem_row(p, receipt_of) for p in plan.problems]
        raise AssignmentImpossible(report)

    _assignments_insert(round_id=evaluation_round.pk, pairs=plan.pairs)
    _notify_evaluators(evaluation_round, evaluator_ids={evaluator_id for _app, evaluator_id in plan.pairs})
    report.created = len(plan.pairs)
    progress(len(rows), len(rows))
    report.overlap_share = _four_places(plan.overlap_share)
    audit_record(
        actor=by,
        obj=evaluation_round,
        verb="evaluators_assigned",
        data={
            "seed": seed,
            "k": k,
            "applications": report.applications,
            "created": report.created,
            "conflicts_detected": report.conflicts_detected,
            "load_min": report.load_min,
            "load_max": report.load_max,
            "overlap_share": report.overlap_share,
            "strictly_balanced": report.strictly_balanced,
        },
    )
    return report


def _notify_evaluators(evaluation_round: EvaluationRound, *, evaluator_ids: set[int]) -> None:
    """One "you have applications to review" message per evaluator and round, however often it runs."""
    users = [e.user for e in Evaluator.objects.filter(pk__in=evaluator_ids).select_related("user")]
    notify_many(
        event=Notification.Event.EVALUATOR_ASSIGNED,
        recipients=users,
        obj=evaluation_round,
        program=evaluation_round.program,
        context={"round": evaluation_round.name},
    )


def _assignments_insert(*, round_id: int, pairs: list[tuple[int, int]]) -> None:
    """Write new pending assignments in one statement. On PostgreSQL two arrays are unnested on the
    server: building and binding 30,000 model instances would cost seconds of the 10 s budget."""
    if connection.vendor != "postgresql":
        Assignment.objects.bulk_create(
            [Assignment(round_id=round_id, application_id=app, evaluator_id=evaluator) for app, evaluator in pairs]
        )
        return
    if not pairs:
        return
    meta, now, quote = Assignment._meta, timezone.now(), connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("round", "application", "evaluator", "status", "recusal_reason", "assigned_at", "updated_at")
    )
    statement = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model, values bound
        "SELECT %s, pair.application, pair.evaluator, %s, '', %s, %s "
        "FROM unnest(%s::bigint[], %s::bigint[]) AS pair(application, evaluator)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            statement,
            [
                round_id,
                Assignment.Status.PENDING.value,
                now,
                now,
                [app for app, _evaluator in pairs],
                [evaluator for _app, evaluator in pairs],
            ],
        )


def _four_places(value: float) -> float:
    return round(value, 4)  # the builtin: inside assignments_create `round` is the evaluation round


def _problem_row(problem: Problem, receipt_of: dict[int, str | None]) -> dict[str, Any]:
    return {
        "application_id": problem.application,
        "receipt_number": receipt_of.get(problem.application) if problem.application is not None else None,
        "reason": problem.reason,
    }


def assignments_run(
    *, round_id: int, by: User | None, seed: int = 0, progress: Progress = no_progress
) -> AssignmentReport:
    """The job behind "assign evaluators": `assignments_create`, with a refusal also recorded where
    staff can read it later (the round's audit trail), since nobody waits for a job's exception."""
    evaluation_round = EvaluationRound.objects.get(pk=round_id)
    try:
        return assignments_create(round=evaluation_round, by=by, seed=seed, progress=progress)
    except AssignmentImpossible as error:
        audit_record(actor=by, obj=evaluation_round, verb="evaluator_assignment_failed", data=error.report.as_dict())
        raise
    except DomainError as refused:  # e.g. the round moved on before the job ran
        audit_record(actor=by, obj=evaluation_round, verb="evaluator_assignment_failed", reason=refused.message)
        raise


def assignments_start(*, round: EvaluationRound, by: User | None, seed: int = 0) -> Job:  # noqa: A002
    """Queue the assignment job (kind `round.assign`); it runs once the current transaction commits."""
    return job_start(kind=Job.Kind.ASSIGN, params={"round_id": round.pk, "seed": seed}, by=by, program=round.program)


@transaction.atomic
def assignment_recuse(*, assignment: Assignment, by: User, reason: str) -> Assignment:
    """The evaluator steps aside from an application (a conflict found late). The conflict is
    recorded as declared, so no later round pairs them again, and the assignment job is queued to
    fill the place with another evaluator."""
    if not reason.strip():
        raise DomainError(_("Say why the evaluator steps aside."), code="reason_required")
    recused = transition(
        assignment, to=Assignment.Status.RECUSED, by=by, reason=reason, extra_fields={"recusal_reason": reason}
    )
    Conflict.objects.get_or_create(
        evaluator_id=recused.evaluator_id,
        startup_id=recused.application.startup_id,
        defaults={"source": Conflict.Source.DECLARED, "reason": reason.strip(), "recorded_by": by},
    )
    if recused.round.status in ASSIGNABLE_STATUSES:  # the job fills the freed place after commit
        assignments_start(round=recused.round, by=by)
    else:  # nobody takes the place, so this may have been the last review owed
        round_reviews_complete_notify_on_commit(round_id=recused.round_id)
    return recused


@transaction.atomic
def assignment_add(
    *,
    round: EvaluationRound,  # noqa: A002
    application: Application,
    evaluator: Evaluator,
    by: User,
) -> Assignment:
    """Assign one evaluator by hand: only a pool member, never a conflicted pair, never twice."""
    evaluation_round = _load_round(round.pk)
    if not evaluation_round.evaluators.filter(pk=evaluator.pk).exists():
        raise DomainError(_("The evaluator is not in this round's pool."), code="evaluator_not_in_pool")
    if not round_applications(round=evaluation_round).filter(pk=application.pk).exists():
        raise DomainError(_("The application is not reviewed in this round."), code="application_not_in_round")
    exclusion_conflicts_record(evaluators={evaluator.pk: evaluator.organisation}, startup_ids=[application.startup_id])
    if Conflict.objects.filter(evaluator=evaluator, startup_id=application.startup_id).exists():
        raise DomainError(_("The evaluator has a conflict of interest with this startup."), code="conflict_of_interest")
    if evaluation_round.has_panels:
        panel_of_track, members = round_panels(round=evaluation_round, tracks={application.track_id})
        if evaluator.pk not in members.get(panel_of_track[application.track_id], ()):
            raise DomainError(
                _("The evaluator is not on the panel serving this application's track."),
                code="evaluator_not_in_panel",
            )
    if Assignment.objects.filter(round=evaluation_round, application=application, evaluator=evaluator).exists():
        raise DomainError(
            _("The evaluator is already assigned to this application (or stepped aside from it)."),
            code="already_assigned",
        )
    assignment = Assignment.objects.create(round=evaluation_round, application=application, evaluator=evaluator)
    audit_record(actor=by, obj=assignment, verb="assigned")
    return assignment


@transaction.atomic
def assignment_remove(*, assignment: Assignment, by: User, reason: str = "") -> None:
    """Remove an assignment by hand: only one still pending, with no review started."""
    locked = Assignment.objects.select_for_update().select_related("round").get(pk=assignment.pk)
    if locked.status != Assignment.Status.PENDING or Review.objects.filter(assignment=locked).exists():
        raise DomainError(
            _("Only a pending assignment without a review can be removed; ask the evaluator to step aside instead."),
            code="assignment_started",
        )
    audit_record(
        actor=by,
        obj=locked.round,
        verb="assignment_removed",
        reason=reason,
        data={"assignment_id": locked.pk, "application_id": locked.application_id, "evaluator_id": locked.evaluator_id},
    )
    locked.delete()
