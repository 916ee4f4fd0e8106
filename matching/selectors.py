"""Reads for matching: querysets already scoped and already joined.

The access rules for assignments (and the reviews on them), round results and the final selection
live here, one selector each (DESIGN "Access rules"): `assignments_of` / `assignments_visible_to`,
`round_results_visible_to`, `selection_visible_to`. Applications and files: `startups.selectors`.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.db.models import Avg, Count, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from core.access import Actor
from core.i18n import localized
from matching.models import (
    Assignment,
    Criterion,
    EvaluationRound,
    Program,
    ProgramPartner,
    Question,
    RoundResult,
    Score,
    SelectionEntry,
)
from matching.scoring import CriterionSpec, review_total
from startups.answers import answer_display
from startups.selectors import applications_visible_to, partner_program_ids

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


def assignments_of(*, actor) -> QuerySet[Assignment]:
    """The actor's own assignments while they are in force (`Assignment.objects.in_force()`: a round
    open for scoring or closed, not recused), newest round first: the evaluator page, the API's score
    sheet and the files an evaluator is given all read these. A partner's key: only in its partner's
    programs. Nobody writes a review on any other assignment, staff included."""
    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return Assignment.objects.none()
    assignments = Assignment.objects.assigned_to(actor.user)
    if actor.partner_id is not None:
        assignments = assignments.filter(round__program_id__in=partner_program_ids(actor))
    return _listed(assignments)


def _listed(assignments: QuerySet[Assignment]) -> QuerySet[Assignment]:
    """Joined for a list of assignments, newest round first."""
    return assignments.select_related(
        "round__program", "application__startup", "application__track", "review"
    ).order_by("-round__opens_at", "round_id", "application__receipt_number", "pk")


def assignments_visible_to(*, actor) -> QuerySet[Assignment]:
    """The assignments, with their reviews and scores, an actor may read: staff every one (read-only),
    anyone else their own in force (`assignments_of`)."""
    actor = Actor.of(actor)
    return _listed(Assignment.objects.all()) if actor.is_staff else assignments_of(actor=actor)


def assignment_for_scoring(*, actor, pk: int) -> Assignment:
    """One of the evaluator's assignments in force with what its page shows; Assignment.DoesNotExist
    otherwise (a set-up round, a recusal, someone else's)."""
    return (
        assignments_of(actor=actor)
        .prefetch_related(
            Prefetch("round__criteria", queryset=Criterion.objects.order_by("order", "pk")),
            "review__scores",
            "application__submissions",
            "application__program__questions",
            "application__program__declarations",
        )
        .get(pk=pk)
    )


def round_results_visible_to(*, actor) -> QuerySet[RoundResult]:
    """Staff: every result. Anyone else: results of published rounds, of the applications they may
    read (`applications_visible_to`: an applicant their own, a partner its programs' finalists)."""
    actor = Actor.of(actor)
    if actor.is_staff:
        return RoundResult.objects.all()
    return RoundResult.objects.filter(
        round__status=EvaluationRound.Status.PUBLISHED,
        application_id__in=applications_visible_to(actor=actor).values("pk"),
    )


def selection_visible_to(*, actor) -> QuerySet[SelectionEntry]:
    """Staff: every entry. Anyone else: entries of finalised programs, of the applications they may
    read (a partner: the selected and reserve of its programs; an applicant: their own)."""
    actor = Actor.of(actor)
    if actor.is_staff:
        return SelectionEntry.objects.all()
    return SelectionEntry.objects.filter(
        program__status=Program.Status.FINALISED,
        application_id__in=applications_visible_to(actor=actor).values("pk"),
    )


def disagreement_spread() -> float:
    """Review totals of one application further apart than this (points on the 0–100 scale) flag a
    strong disagreement among its evaluators; setting MATCHDAY_DISAGREEMENT_SPREAD, 25 by default."""
    return float(getattr(settings, "MATCHDAY_DISAGREEMENT_SPREAD", 25))


def result_review_spreads(*, results: list[RoundResult]) -> dict[int, float]:
    """For each result, max − min of its application's submitted review totals in its round (0–100
    scale, rule 1), in one query; a result without submitted reviews is left out."""
    if not results:
        return {}
    rows = Score.objects.filter(
        round_id__in={r.round_id for r in results},
        review__assignment__application_id__in={r.application_id for r in results},
        review__assignment__status=Assignment.Status.SUBMITTED,
    ).values_list(
        "round_id",
        "review__assignment__application_id",
        "review_id",
        "criterion_id",
        "value",
        "criterion__weight",
        "criterion__max_score",
    )
    scores: dict[tuple[int, int, int], dict[int, Decimal]] = defaultdict(dict)
    criteria: dict[int, CriterionSpec] = {}
    for round_id, application_id, review_id, criterion_id, value, weight, max_score in rows:
        scores[(round_id, application_id, review_id)][criterion_id] = value
        criteria[criterion_id] = CriterionSpec(id=criterion_id, code="", weight=weight, max_score=max_score)
    specs = list(criteria.values())  # review_total counts only the criteria a review scored
    totals: dict[tuple[int, int], list[Fraction]] = defaultdict(list)
    for (round_id, application_id, _review_id), review_scores in scores.items():
        totals[(round_id, application_id)].append(review_total(review_scores, specs))
    # A display figure (and the disagreement flag), not a decision: a float is enough.
    return {
        r.pk: float(max(found) - min(found)) for r in results if (found := totals.get((r.round_id, r.application_id)))
    }


def result_criterion_means(*, results: list[RoundResult]) -> dict[int, list[tuple[str, Decimal]]]:
    """For each result, the mean score of each criterion over its application's submitted reviews in
    its round, as (criterion code, mean) in the criteria's order, in one query; a result without
    submitted reviews is left out."""
    if not results:
        return {}
    rows = (
        Score.objects.filter(
            round_id__in={r.round_id for r in results},
            review__assignment__application_id__in={r.application_id for r in results},
            review__assignment__status=Assignment.Status.SUBMITTED,
        )
        .values("round_id", "review__assignment__application_id", "criterion_id", "criterion__code", "criterion__order")
        .annotate(mean=Avg("value"))
        .order_by("criterion__order", "criterion_id")
    )
    means: dict[tuple[int, int], list[tuple[str, Decimal]]] = defaultdict(list)
    for row in rows:
        key = (row["round_id"], row["review__assignment__application_id"])
        means[key].append((row["criterion__code"], Decimal(str(row["mean"]))))
    return {r.pk: found for r in results if (found := means.get((r.round_id, r.application_id)))}


def _joined(value):
    return ", ".join(value) if isinstance(value, list) else value


def assignment_application_view(assignment: Assignment) -> dict:
    """What the evaluator reads (on the score sheet and through the API): the last submitted version,
    without identities in a blind round. Expects the assignment with its application's submissions
    and program questions loaded (see `assignment_for_scoring`)."""
    application = assignment.application
    submission = max(application.submissions.all(), key=lambda s: s.number, default=None)
    snapshot = submission.snapshot if submission else {}
    blind = assignment.round.blind
    questions = sorted(application.program.questions.all(), key=lambda q: (q.order, q.pk))
    answers = snapshot.get("answers", {})
    documents = []
    for number, file in enumerate(snapshot.get("attachments", []), start=1):
        label = _("Document %(number)s") % {"number": number} if blind else file["name"]
        documents.append({"id": file["id"], "label": label, "size": file["size"]})
    return {
        "blind": blind,
        "snapshot": snapshot,
        "startup": None if blind else snapshot.get("startup"),
        "answers": [
            (localized(q, "label"), _joined(answer_display(q, answers[q.code])))
            for q in questions
            if q.code in answers and q.kind != "file"
        ],
        "documents": documents,
    }


def criterion_labels(*, round_ids: Iterable[int]) -> dict[int, dict[str, str]]:
    """Each round's criterion labels by code, in the active language (one query), for reasons and notes."""
    labels: dict[int, dict[str, str]] = defaultdict(dict)
    ids = round_ids if isinstance(round_ids, QuerySet) else set(round_ids)  # a subquery stays one query
    for criterion in Criterion.objects.filter(round_id__in=ids).only("round_id", "code", "label_ko", "label_en"):
        labels[criterion.round_id][criterion.code] = str(criterion)
    return dict(labels)


def meetings_visible_to(*, actor) -> QuerySet:
    """The meetings (Matching Day, pitch sessions) an actor may see, joined for agendas and calendars.
    Staff: all. An applicant (active member): their startups' applications' meetings. A current partner
    member (or a partner's key): the partner's meetings. An evaluator: the meetings of the pitch
    sessions of rounds they are assigned to (not recused)."""
    from django.db.models import Q

    from matching.models import Meeting, PartnerMembership
    from startups.selectors import member_startup_ids

    actor = Actor.of(actor)
    meetings = Meeting.objects.select_related("event__program", "table", "partner", "application__startup")
    if not actor.is_signed_in:
        return meetings.none()
    if actor.is_staff:
        return meetings
    seen = Q(application__startup_id__in=member_startup_ids(actor)) | Q(
        partner_id__in=PartnerMembership.objects.acted_through(actor).values("partner_id")
    )
    if actor.partner_id is None:
        rounds = Assignment.objects.filter(evaluator__user=actor.user).exclude(status=Assignment.Status.RECUSED)
        seen |= Q(event__round_id__in=rounds.values("round_id"), partner__isnull=True)
    return meetings.filter(seen)


def matching_runs_visible_to(*, actor) -> QuerySet:
    """The matching runs an actor may read: staff every run; a partner member (a partner's key: that
    partner only) the published run in force of each program of its partners, of which it reads only
    its own partners' matches (`matching_partner_ids`); anyone else none."""
    from django.db.models import OuterRef, Subquery

    from matching.models import MatchingRun, PartnerMembership

    actor = Actor.of(actor)
    if actor.is_staff:
        return MatchingRun.objects.all()
    if not actor.is_signed_in:
        return MatchingRun.objects.none()
    partners = PartnerMembership.objects.acted_through(actor).values("partner_id")
    programs = ProgramPartner.objects.filter(partner_id__in=partners).values("program_id")
    in_force = (
        MatchingRun.objects.filter(program_id=OuterRef("program_id"), published_at__isnull=False)
        .order_by("-published_at", "-pk")
        .values("pk")[:1]
    )
    return MatchingRun.objects.filter(program_id__in=programs, published_at__isnull=False, pk=Subquery(in_force))


def matching_partner_ids(*, actor) -> frozenset[int] | None:
    """Whose matches of a visible run the actor reads: None for staff (all), else its partners' ids."""
    from matching.models import PartnerMembership

    actor = Actor.of(actor)
    if actor.is_staff:
        return None
    if not actor.is_signed_in:
        return frozenset()
    return frozenset(PartnerMembership.objects.acted_through(actor).values_list("partner_id", flat=True))


def result_submitted_review_counts(*, results: list[RoundResult]) -> dict[int, int]:
    """For each result, how many reviews of its application in its round are submitted now (one query);
    a result whose application has none is left out."""
    if not results:
        return {}
    rows = (
        Assignment.objects.filter(
            round_id__in={r.round_id for r in results},
            application_id__in={r.application_id for r in results},
            status=Assignment.Status.SUBMITTED,
        )
        .values("round_id", "application_id")
        .annotate(submitted=Count("pk"))
        .order_by()
    )
    counts = {(row["round_id"], row["application_id"]): row["submitted"] for row in rows}
    return {r.pk: found for r in results if (found := counts.get((r.round_id, r.application_id)))}


def result_track_ranks(*, results: list[RoundResult]) -> dict[int, int]:
    """For each ranked result, its rank among the results of its round in its application's track (the
    order rounds that advance N per track count in), in one query for all the rounds of the page."""
    if not results:
        return {}
    rows = (
        RoundResult.objects.filter(round_id__in={r.round_id for r in results}, rank__isnull=False)
        .order_by("round_id", "rank")
        .values_list("pk", "round_id", "application__track_id")
    )
    seen: dict[tuple[int, int | None], int] = defaultdict(int)
    ranks: dict[int, int] = {}
    for pk, round_id, track_id in rows:
        seen[(round_id, track_id)] += 1
        ranks[pk] = seen[(round_id, track_id)]
    page = {r.pk for r in results}
    return {pk: rank for pk, rank in ranks.items() if pk in page}
