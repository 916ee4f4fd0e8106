"""The numbers of the staff home and a program's dashboard, each read in a few aggregate queries —
never one per application, evaluator or day. They count what the lists and exports count:

- started: the program's applications (the applications list, filtered by program and track);
- submitted: applications submitted at least once (the programs list's "submitted");
- eligible: applications still in play — submitted, in review, advanced, selected, reserve or not
  selected (not withdrawn, not found ineligible): the applications list filtered by those statuses;
- a round's advanced: its results marked advanced (the results list, filtered by round);
- selected / reserve: the final selection (its export), and matched: selected with a partner set
  (a published matching sets it).

Decisions are never made here: means and spreads are exact until they are turned into floats for
people to read.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from core.admin import count_of
from matching.models import (
    Assignment,
    EvaluationRound,
    Evaluator,
    Program,
    RoundResult,
    Score,
    SelectionEntry,
    Track,
)
from matching.scoring import CriterionSpec, review_total
from matching.selectors import disagreement_spread
from notifications.models import Notification, WebhookDelivery
from startups.models import Application

A = Application.Status
# Applications still in play: submitted and neither withdrawn nor found ineligible.
ELIGIBLE_STATUSES = (A.SUBMITTED, A.IN_REVIEW, A.ADVANCED, A.SELECTED, A.RESERVE, A.NOT_SELECTED)
OWING_STATUSES = (Assignment.Status.PENDING, Assignment.Status.IN_PROGRESS)
# The staff home lists programs in the order of their life; archived ones last.
STAGE_ORDER = [status for status, _label in Program.Status.choices]
HISTOGRAM_BINS = 10  # review totals 0–10, 10–20, … 90–100 (the last bin includes 100)


def program_zone(program: Program) -> ZoneInfo:
    try:
        return ZoneInfo(program.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Seoul")


def days_left(*, deadline: dt.datetime, now: dt.datetime, zone: ZoneInfo) -> int:
    """Calendar days from today to the deadline's day in `zone`: 0 on the day itself, negative after."""
    return (deadline.astimezone(zone).date() - now.astimezone(zone).date()).days


def d_day(days: int) -> str:
    """`D-3`, `D-day`, `D+2` (after the deadline)."""
    if days > 0:
        return f"D-{days}"
    return "D-day" if days == 0 else f"D+{-days}"


# --- the staff home ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundProgressSummary:
    round: EvaluationRound
    assigned: int
    submitted: int

    @property
    def percent(self) -> int:
        return int(100 * self.submitted / self.assigned) if self.assigned else 0


@dataclass
class ProgramSummary:
    program: Program
    drafts: int
    submitted: int
    current_round: RoundProgressSummary | None = None
    days_left: int | None = None  # to the deadline, while the program is open

    @property
    def d_day(self) -> str | None:
        return None if self.days_left is None else d_day(self.days_left)


def programs_by_stage(*, now: dt.datetime) -> list[tuple[str, str, list[ProgramSummary]]]:
    """Every program with its counts and its current round (the latest one past set-up, or the first),
    grouped by status in the order of a program's life: [(status, label, programs)], empty stages left
    out. Two queries."""
    programs = list(
        Program.objects.annotate(
            drafts=count_of(Application.objects.filter(status=A.DRAFT), "program"),
            submitted=count_of(Application.objects.filter(first_submitted_at__isnull=False), "program"),
        ).order_by("-opens_at", "pk")
    )
    rounds = EvaluationRound.objects.filter(program__in=[p.pk for p in programs]).annotate(
        assigned=count_of(Assignment.objects.exclude(status=Assignment.Status.RECUSED), "round"),
        submitted=count_of(Assignment.objects.filter(status=Assignment.Status.SUBMITTED), "round"),
    )
    by_program: dict[int, list[EvaluationRound]] = defaultdict(list)
    for evaluation_round in rounds.order_by("program_id", "order"):
        by_program[evaluation_round.program_id].append(evaluation_round)
    groups: dict[str, list[ProgramSummary]] = defaultdict(list)
    for program in programs:
        summary = ProgramSummary(program=program, drafts=program.drafts, submitted=program.submitted)
        current = _current_round(by_program.get(program.pk, []))
        if current is not None:
            summary.current_round = RoundProgressSummary(
                round=current, assigned=current.assigned, submitted=current.submitted
            )
        if program.status == Program.Status.OPEN:
            summary.days_left = days_left(deadline=program.closes_at, now=now, zone=program_zone(program))
        groups[program.status].append(summary)
    labels = dict(Program.Status.choices)
    return [(status, str(labels[status]), groups[status]) for status in STAGE_ORDER if groups.get(status)]


def _current_round(rounds: list[EvaluationRound]) -> EvaluationRound | None:
    started = [r for r in rounds if r.status != EvaluationRound.Status.SETUP]
    return started[-1] if started else (rounds[0] if rounds else None)


# --- the funnel -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStage:
    key: str
    label: str
    total: int | None  # None: not decided yet (no results computed, no selection made)
    by_track: dict[int | None, int]


@dataclass(frozen=True)
class Funnel:
    tracks: list[tuple[int | None, str]]  # (track id, name); None for applications without a track
    stages: list[FunnelStage]
    drafts: int
    drafts_by_track: dict[int | None, int]

    def stage(self, key: str) -> FunnelStage:
        return next(stage for stage in self.stages if stage.key == key)


def program_funnel(*, program: Program) -> Funnel:
    """Started → submitted → eligible → each round's advanced → selected (+ reserve) → matched, in
    total and per track (see the module's docstring for what each stage counts). Five queries."""
    tracks = list(Track.objects.filter(program=program).order_by("order", "pk"))
    counts = (
        Application.objects.filter(program=program)
        .values("track_id")
        .annotate(
            started=Count("pk"),
            drafts=Count("pk", filter=Q(status=A.DRAFT)),
            submitted=Count("pk", filter=Q(first_submitted_at__isnull=False)),
            eligible=Count("pk", filter=Q(status__in=ELIGIBLE_STATUSES)),
        )
        .order_by()
    )
    per_track = {row["track_id"]: row for row in counts}
    track_list: list[tuple[int | None, str]] = [(track.pk, str(track)) for track in tracks]
    if None in per_track:
        track_list.append((None, _("no track")))

    def column(name: str, rows: dict) -> dict[int | None, int]:
        return {track_id: rows.get(track_id, {}).get(name, 0) for track_id, _name in track_list}

    stages = [
        FunnelStage(key, label, sum(column(key, per_track).values()), column(key, per_track))
        for key, label in (
            ("started", _("applications started")),
            ("submitted", _("submitted")),
            ("eligible", _("eligible")),
        )
    ]
    rounds = list(EvaluationRound.objects.filter(program=program).order_by("order"))
    results = (
        RoundResult.objects.filter(round__program=program)
        .values("round_id", "application__track_id")
        .annotate(results=Count("pk"), advanced=Count("pk", filter=Q(advanced=True)))
        .order_by()
    )
    advanced: dict[int, dict[int | None, dict]] = defaultdict(dict)
    for row in results:
        advanced[row["round_id"]][row["application__track_id"]] = row
    for evaluation_round in rounds:
        rows = advanced.get(evaluation_round.pk)
        by_track = column("advanced", rows or {})
        stages.append(
            FunnelStage(
                f"round-{evaluation_round.order}",
                _("%(round)s: advanced") % {"round": evaluation_round.name},
                sum(by_track.values()) if rows else None,
                by_track,
            )
        )
    selection = {
        row["application__track_id"]: row
        for row in SelectionEntry.objects.filter(program=program)
        .values("application__track_id")
        .annotate(
            entries=Count("pk"),
            selected=Count("pk", filter=Q(outcome=SelectionEntry.Outcome.SELECTED)),
            reserve=Count("pk", filter=Q(outcome=SelectionEntry.Outcome.RESERVE)),
            matched=Count("pk", filter=Q(outcome=SelectionEntry.Outcome.SELECTED, partner__isnull=False)),
        )
        .order_by()
    }
    for key, label in (("selected", _("selected")), ("reserve", _("reserve")), ("matched", _("matched"))):
        by_track = column(key, selection)
        stages.append(FunnelStage(key, label, sum(by_track.values()) if selection else None, by_track))
    drafts = column("drafts", per_track)
    return Funnel(tracks=track_list, stages=stages, drafts=sum(drafts.values()), drafts_by_track=drafts)


# --- submissions per day ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SubmissionDay:
    day: dt.date
    new: int | None  # None: a day still to come
    total: int | None


@dataclass(frozen=True)
class SubmissionsPerDay:
    days: list[SubmissionDay]
    deadline_day: dt.date
    days_left: int  # to the deadline, from today (negative after it)


def submissions_per_day(*, program: Program, now: dt.datetime | None = None) -> SubmissionsPerDay:
    """First submissions per calendar day in the program's time zone, with the running total, from the
    window's first day to its deadline's day (days after today have no numbers). One query."""
    now = now or timezone.now()
    zone = program_zone(program)
    counted = dict(
        Application.objects.filter(program=program, first_submitted_at__isnull=False)
        .annotate(day=TruncDate("first_submitted_at", tzinfo=zone))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by("day")
        .values_list("day", "n")
    )
    first = min([program.opens_at.astimezone(zone).date(), *counted])
    deadline = program.closes_at.astimezone(zone).date()
    today = now.astimezone(zone).date()
    last = max([deadline, *counted])
    days, total, day = [], 0, first
    while day <= last:
        if day <= today or day in counted:
            total += counted.get(day, 0)
            days.append(SubmissionDay(day=day, new=counted.get(day, 0), total=total))
        else:
            days.append(SubmissionDay(day=day, new=None, total=None))
        day += dt.timedelta(days=1)
    return SubmissionsPerDay(
        days=days, deadline_day=deadline, days_left=days_left(deadline=program.closes_at, now=now, zone=zone)
    )


# --- a round: progress and leniency -----------------------------------------------------------------


@dataclass(frozen=True)
class EvaluatorProgress:
    evaluator_id: int
    name: str
    email: str
    assigned: int
    submitted: int
    owing: int


@dataclass(frozen=True)
class RoundProgress:
    round: EvaluationRound
    assigned: int  # recused assignments excluded
    submitted: int
    evaluators: list[EvaluatorProgress]

    @property
    def behind(self) -> list[EvaluatorProgress]:
        return [e for e in self.evaluators if e.owing]

    @property
    def percent(self) -> int:
        return int(100 * self.submitted / self.assigned) if self.assigned else 0


def round_progress(*, round: EvaluationRound) -> RoundProgress:
    """Submitted / assigned reviews (recused excluded, as the rounds list counts them) and each
    evaluator's share, those owing the most first. One query."""
    rows = (
        Assignment.objects.filter(round=round)
        .exclude(status=Assignment.Status.RECUSED)
        .values("evaluator_id", "evaluator__user__name", "evaluator__user__email")
        .annotate(
            assigned=Count("pk"),
            submitted=Count("pk", filter=Q(status=Assignment.Status.SUBMITTED)),
            owing=Count("pk", filter=Q(status__in=OWING_STATUSES)),
        )
        .order_by()
    )
    evaluators = sorted(
        (
            EvaluatorProgress(
                evaluator_id=row["evaluator_id"],
                name=row["evaluator__user__name"] or row["evaluator__user__email"],
                email=row["evaluator__user__email"],
                assigned=row["assigned"],
                submitted=row["submitted"],
                owing=row["owing"],
            )
            for row in rows
        ),
        key=lambda e: (-e.owing, e.name.lower(), e.evaluator_id),
    )
    return RoundProgress(
        round=round,
        assigned=sum(e.assigned for e in evaluators),
        submitted=sum(e.submitted for e in evaluators),
        evaluators=evaluators,
    )


@dataclass(frozen=True)
class EvaluatorLeniency:
    evaluator_id: int
    name: str
    reviews: int
    mean: float
    spread: float  # population standard deviation of the evaluator's review totals


@dataclass(frozen=True)
class Leniency:
    reviews: int
    mean: float | None
    spread: float | None
    histogram: list[int] = field(default_factory=list)
    evaluators: list[EvaluatorLeniency] = field(default_factory=list)
    disagreements: int = 0  # applications whose review totals lie further apart than the setting


def _mean_and_spread(totals: list[Fraction]) -> tuple[float, float]:
    mean = sum(totals, Fraction(0)) / len(totals)
    variance = sum(((t - mean) ** 2 for t in totals), Fraction(0)) / len(totals)
    return float(mean), math.sqrt(variance)


def evaluator_leniency(*, round: EvaluationRound) -> Leniency:
    """The submitted reviews' totals (0–100, rule 1, exact): their distribution in ten bins, the
    round's mean and spread, each evaluator's beside them (who scores high or low), and how many
    applications carry the disagreement flag (totals further apart than `disagreement_spread()`, as
    the results list flags them). Two queries."""
    rows = Score.objects.filter(round=round, review__assignment__status=Assignment.Status.SUBMITTED).values_list(
        "review_id",
        "review__assignment__evaluator_id",
        "review__assignment__application_id",
        "criterion_id",
        "value",
        "criterion__weight",
        "criterion__max_score",
    )
    scores: dict[tuple[int, int, int], dict[int, Decimal]] = defaultdict(dict)
    criteria: dict[int, CriterionSpec] = {}
    for review_id, evaluator_id, application_id, criterion_id, value, weight, max_score in rows:
        scores[(review_id, evaluator_id, application_id)][criterion_id] = value
        criteria[criterion_id] = CriterionSpec(id=criterion_id, code="", weight=weight, max_score=max_score)
    specs = list(criteria.values())
    by_evaluator: dict[int, list[Fraction]] = defaultdict(list)
    by_application: dict[int, list[Fraction]] = defaultdict(list)
    every: list[Fraction] = []
    for (_review_id, evaluator_id, application_id), review_scores in scores.items():
        total = review_total(review_scores, specs)
        if total is None:
            continue
        every.append(total)
        by_evaluator[evaluator_id].append(total)
        by_application[application_id].append(total)
    if not every:
        return Leniency(reviews=0, mean=None, spread=None, histogram=[0] * HISTOGRAM_BINS)
    histogram = [0] * HISTOGRAM_BINS
    for total in every:
        histogram[min(math.floor(total / 10), HISTOGRAM_BINS - 1)] += 1
    names = {
        row["pk"]: row["user__name"] or row["user__email"]
        for row in Evaluator.objects.filter(pk__in=by_evaluator).values("pk", "user__name", "user__email")
    }
    evaluators = []
    for evaluator_id, totals in by_evaluator.items():
        mean, spread = _mean_and_spread(totals)
        evaluators.append(
            EvaluatorLeniency(
                evaluator_id=evaluator_id,
                name=names.get(evaluator_id, str(evaluator_id)),
                reviews=len(totals),
                mean=mean,
                spread=spread,
            )
        )
    evaluators.sort(key=lambda e: (-e.mean, e.name.lower(), e.evaluator_id))
    threshold = disagreement_spread()
    disagreements = sum(1 for totals in by_application.values() if float(max(totals) - min(totals)) > threshold)
    mean, spread = _mean_and_spread(every)
    return Leniency(
        reviews=len(every),
        mean=mean,
        spread=spread,
        histogram=histogram,
        evaluators=evaluators,
        disagreements=disagreements,
    )


# --- the outbox and webhooks ------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryHealth:
    since: dt.datetime
    messages: dict[str, int]  # queued (waiting or being sent), sent, failed, cancelled
    webhooks: dict[str, int]  # queued (waiting or being sent), delivered, failed


def _by_status(queryset: QuerySet, statuses: dict[str, tuple[str, ...]]) -> dict[str, int]:
    return queryset.aggregate(**{name: Count("pk", filter=Q(status__in=values)) for name, values in statuses.items()})


def delivery_health(*, since: dt.datetime, program: Program | None = None) -> DeliveryHealth:
    """Messages (of `program`, if given) and webhook deliveries created since `since`, by state.
    Two queries."""
    N, W = Notification.Status, WebhookDelivery.Status
    messages = Notification.objects.filter(created_at__gte=since)
    if program is not None:
        messages = messages.filter(program=program)
    return DeliveryHealth(
        since=since,
        messages=_by_status(
            messages,
            {"queued": (N.QUEUED, N.SENDING), "sent": (N.SENT,), "failed": (N.FAILED,), "cancelled": (N.CANCELLED,)},
        ),
        webhooks=_by_status(
            WebhookDelivery.objects.filter(created_at__gte=since),
            {"queued": (W.QUEUED, W.SENDING), "delivered": (W.DELIVERED,), "failed": (W.FAILED,)},
        ),
    )
