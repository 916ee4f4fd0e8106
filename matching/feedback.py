"""What applicants read after a round's publication (DESIGN "Access rules": review / scores —
"feedback the round publishes"), and who reads appeals.

Each round decides what it shares (`feedback_score`, `feedback_criterion_means`, `feedback_comments`);
nothing before publication, nothing of a round that shares nothing, never who evaluated: comments
come without names, ids or the order of assignment.
"""

import dataclasses
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.access import Actor
from matching.models import Appeal, Assignment, EvaluationRound, Review, RoundResult, Score, SelectionEntry
from startups.models import Application
from startups.selectors import applications_changeable_by, member_startup_ids

TWO_PLACES = Decimal("0.01")

# Rank bands: (upper bound in percent of the round's ranked results, label). A rank r of n ranked
# results is in the first band with r × 100 ≤ bound × n (exact integers: rank 1 of 10 is the top 10%).
RANK_BANDS = (
    (10, _("top 10%")),
    (30, _("top 11–30%")),
    (50, _("top 31–50%")),
    (100, _("bottom 50%")),
)


def rank_band(rank: int | None, ranked: int) -> str | None:
    """The band label of `rank` among `ranked` ranked results; None when not ranked (failed a threshold)."""
    if rank is None or ranked <= 0:
        return None
    for bound, label in RANK_BANDS:
        if rank * 100 <= bound * ranked:
            return str(label)
    return str(RANK_BANDS[-1][1])


@dataclasses.dataclass(frozen=True)
class CriterionMean:
    criterion_id: int
    label_ko: str
    label_en: str
    max_score: Decimal
    mean: Fraction  # exact; `shown` for people

    @property
    def shown(self) -> Decimal:
        return (Decimal(self.mean.numerator) / Decimal(self.mean.denominator)).quantize(TWO_PLACES, ROUND_HALF_UP)


@dataclasses.dataclass(frozen=True)
class RoundFeedback:
    round: EvaluationRound
    final_score: Decimal | None = None  # only when the round shares the score
    band: str | None = None
    criterion_means: list[CriterionMean] = dataclasses.field(default_factory=list)
    comments: list[str] = dataclasses.field(default_factory=list)
    shares_score: bool = False
    shares_means: bool = False
    shares_comments: bool = False


def _may_read(actor: Actor, application: Application) -> bool:
    """Staff, and the applicant's own (`applications_changeable_by`: the startup's active members; a
    partner's key acts for the partner, never for a startup)."""
    return actor.is_staff or applications_changeable_by(actor=actor).filter(pk=application.pk).exists()


def feedback_for(*, application: Application, actor: Any) -> list[RoundFeedback]:
    """The feedback each published round of the application shares, in round order: the final score
    and rank band (`RANK_BANDS`), the mean of each criterion over the submitted reviews (exact; shown
    to 2 places) and the comments written for the applicant in submitted reviews (sorted by their
    text, so their order says nothing about who wrote them or when). Staff and the startup's active
    members read it; anyone else reads nothing. At most five queries, whatever the number of rounds,
    reviews and results."""
    actor = Actor.of(actor)
    if not _may_read(actor, application):
        return []
    shares = Q(round__feedback_score=True) | Q(round__feedback_criterion_means=True) | Q(round__feedback_comments=True)
    results = list(
        RoundResult.objects.filter(shares, application=application, round__status=EvaluationRound.Status.PUBLISHED)
        .select_related("round")
        .order_by("round__order")
    )
    if not results:
        return []
    rounds = {r.round_id: r.round for r in results}
    ranked: dict[int, int] = {}
    if any(r.round.feedback_score for r in results):
        ranked = dict(
            RoundResult.objects.filter(
                round_id__in=[i for i, r in rounds.items() if r.feedback_score], rank__isnull=False
            )
            .values_list("round_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
    means: dict[int, list[CriterionMean]] = {}
    mean_rounds = [i for i, r in rounds.items() if r.feedback_criterion_means]
    if mean_rounds:
        rows = (
            Score.objects.filter(
                round_id__in=mean_rounds,
                review__assignment__application=application,
                review__assignment__status=Assignment.Status.SUBMITTED,
            )
            .values("round_id", "criterion_id", "criterion__label_ko", "criterion__label_en", "criterion__max_score")
            .annotate(total=Sum("value"), n=Count("pk"))
            .order_by("round_id", "criterion__order", "criterion_id")
        )
        for row in rows:
            means.setdefault(row["round_id"], []).append(
                CriterionMean(
                    criterion_id=row["criterion_id"],
                    label_ko=row["criterion__label_ko"],
                    label_en=row["criterion__label_en"],
                    max_score=row["criterion__max_score"],
                    mean=Fraction(Decimal(row["total"])) / row["n"],
                )
            )
    comments: dict[int, list[str]] = {}
    comment_rounds = [i for i, r in rounds.items() if r.feedback_comments]
    if comment_rounds:
        texts = (
            Review.objects.filter(
                assignment__round_id__in=comment_rounds,
                assignment__application=application,
                assignment__status=Assignment.Status.SUBMITTED,
                submitted_at__isnull=False,
            )
            .exclude(comment_for_applicant="")
            .values_list("assignment__round_id", "comment_for_applicant")
        )
        for round_id, text in texts:
            comments.setdefault(round_id, []).append(text.strip())
        for texts_of_round in comments.values():
            texts_of_round.sort()
    feedback = []
    for result in results:
        evaluation_round = result.round
        shares_score = evaluation_round.feedback_score
        feedback.append(
            RoundFeedback(
                round=evaluation_round,
                final_score=result.final_score.quantize(TWO_PLACES, ROUND_HALF_UP)
                if shares_score and result.final_score is not None
                else None,
                band=rank_band(result.rank, ranked.get(result.round_id, 0)) if shares_score else None,
                criterion_means=means.get(result.round_id, []),
                comments=[c for c in comments.get(result.round_id, []) if c],
                shares_score=shares_score,
                shares_means=evaluation_round.feedback_criterion_means,
                shares_comments=evaluation_round.feedback_comments,
            )
        )
    return feedback


def appeals_visible_to(*, actor: Any) -> QuerySet[Appeal]:
    """The appeals an actor may read (and whose files they may download). Staff: all. An applicant:
    their startups' (active member). Nobody else."""
    actor = Actor.of(actor)
    if not actor.is_signed_in:
        return Appeal.objects.none()
    appeals = Appeal.objects.select_related("round", "application")
    if actor.is_staff:
        return appeals
    return appeals.filter(application__startup_id__in=member_startup_ids(actor))


@dataclasses.dataclass(frozen=True)
class RoundAfterPublication:
    """One published round on the applicant's status page: its feedback, the appeal and whether one
    can be filed now."""

    round: EvaluationRound
    feedback: RoundFeedback | None
    appeal: Appeal | None
    can_appeal: bool


def after_publication_for(*, application: Application, actor: Any) -> list[RoundAfterPublication]:
    """What the status page shows under "feedback and appeals", in round order. A constant number of
    queries whatever the number of rounds: whether an appeal can be filed is read for every round with
    an open window at once (`not_advanced` on the results, the program's last round and the selection
    entry)."""
    from matching.services.appeals import appeal_window_open, not_advanced

    actor = Actor.of(actor)
    if not _may_read(actor, application):
        return []
    feedback = {f.round.pk: f for f in feedback_for(application=application, actor=actor)}
    appeals = {a.round_id: a for a in Appeal.objects.filter(application=application).select_related("round")}
    is_member = not actor.is_staff  # `_may_read` let only staff and active members through
    rounds = {f.round.pk: f.round for f in feedback.values()} | {a.round_id: a.round for a in appeals.values()}
    now = timezone.now()
    in_window = list(
        RoundResult.objects.filter(
            application=application,
            round__status=EvaluationRound.Status.PUBLISHED,
            round__appeal_days__gt=0,
            round__appeals_close_at__gt=now,
        ).select_related("round")
    )
    can_appeal = set()
    if in_window:
        last_order = EvaluationRound.objects.filter(program_id=application.program_id).aggregate(last=Max("order"))
        outcome = None
        if any(r.round.order == last_order["last"] for r in in_window):
            outcome = SelectionEntry.objects.filter(application=application).values_list("outcome", flat=True).first()
        for result in in_window:
            evaluation_round = result.round
            rounds.setdefault(evaluation_round.pk, evaluation_round)
            last = evaluation_round.order == last_order["last"]
            if (
                is_member
                and evaluation_round.pk not in appeals
                and appeal_window_open(evaluation_round, now=now)
                and not_advanced(advanced=result.advanced, last_round=last, outcome=outcome if last else None)
            ):
                can_appeal.add(evaluation_round.pk)
    return [
        RoundAfterPublication(
            round=r, feedback=feedback.get(r.pk), appeal=appeals.get(r.pk), can_appeal=r.pk in can_appeal
        )
        for r in sorted(rounds.values(), key=lambda r: r.order)
    ]


def appeal_counts(*, program: Any) -> dict[str, int]:
    """For the program's dashboard: its appeals filed and not yet answered, upheld, dismissed. One query."""
    by_status = {Appeal.Status.FILED: 0, Appeal.Status.UPHELD: 0, Appeal.Status.DISMISSED: 0}
    rows = Appeal.objects.filter(round__program=program).values_list("status").annotate(n=Count("pk")).order_by()
    by_status.update(dict(rows))
    return {"filed": by_status["filed"], "upheld": by_status["upheld"], "dismissed": by_status["dismissed"]}
