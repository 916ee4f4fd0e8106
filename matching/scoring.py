"""Scoring maths for one evaluation round: pure functions over plain data, no database.

The rules are DESIGN.md's "Scoring — exact rules":

1. review total = 100 · Σ w_c·(s_c/m_c) / Σ w_c (over the criteria the review scored);
2. aggregates over an application's submitted reviews: `mean`, `trimmed` (one highest and
   one lowest total dropped; plain mean below 3 reviews) and `zscore` (per-evaluator
   standardisation mapped back to the round's scale, μ_R + σ_R · mean z);
3. bonus = Σ points of the startup's flags, capped; round score = aggregate + bonus;
   with carry-over weights final = Σ weight_i · round score_i, otherwise final = round score;
4. fail (과락): the mean of s_c/m_c over the reviews below a criterion's threshold;
5. rank: final desc, then the mean s_c/m_c on the highest-weight criterion (first in
   order on a tie), then earlier first submission, then application id;
6. advancement: top_n / cutoff / top_n_cutoff, overall or per track; a failed
   application never advances and takes no place.

Numbers: review totals and aggregates are computed in floats with `math.fsum` (correctly
rounded, so the order of the inputs never changes a result) and quantised to 4 decimals
(half up) as `Decimal`; bonus, round score and final score are then exact `Decimal`
arithmetic on those, and ranking compares the stored 4-decimal finals.

Applications that cannot be scored are failed with a reason and ranked last (in the same
tie-break order): no submitted review ("no submitted reviews"), or, with carry-over, no
round score in an earlier round ("no score in round N"); their final score is None.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain

MEAN, TRIMMED, ZSCORE = "mean", "trimmed", "zscore"
TOP_N, CUTOFF, TOP_N_CUTOFF = "top_n", "cutoff", "top_n_cutoff"
OVERALL, PER_TRACK = "overall", "per_track"

FOUR_PLACES = Decimal("0.0001")
# Ratios are means of two-decimal scores over maxima; a threshold equal to the mean must not fail it.
RATIO_TOLERANCE = 1e-9


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    code: str
    weight: Decimal
    max_score: Decimal
    fail_threshold: Decimal | None = None
    order: int = 0


@dataclass(frozen=True)
class ApplicationSpec:
    id: int
    track_id: int | None = None
    first_submitted_at: dt.datetime | None = None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CarryOver:
    source_round_id: int
    source_round_order: int
    weight: Decimal


@dataclass(frozen=True)
class RoundSpec:
    id: int
    aggregation: str = MEAN
    advancement_rule: str = TOP_N
    advancement_scope: str = OVERALL
    advance_count: int | None = None
    cutoff_score: Decimal | None = None
    bonus_cap: Decimal = Decimal("0")
    bonus_points: Mapping[str, Decimal] = field(default_factory=dict)
    carry_over: tuple[CarryOver, ...] = ()


# One submitted score: (review id, application id, evaluator id, criterion id, value).
ScoreRow = tuple[int, int, int, int, float]


@dataclass(frozen=True)
class ApplicationResult:
    application_id: int
    review_count: int
    mean: Decimal | None
    trimmed_mean: Decimal | None
    zscore: Decimal | None
    aggregate: Decimal | None
    bonus: Decimal
    round_score: Decimal | None
    final_score: Decimal | None
    rank: int
    failed: bool
    fail_reasons: tuple[str, ...]
    advanced: bool


@dataclass(frozen=True)
class RoundComputation:
    fingerprint: str
    results: tuple[ApplicationResult, ...]  # in rank order


# --------------------------------------------------------------------------------------------
# Small rules, each usable on its own


def q4(value: float | Decimal) -> Decimal:
    """Quantise to 4 decimals, half up, from the exact value of the float."""
    return Decimal(value).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)


SIGMA_ZERO = 1e-9  # below this an evaluator's totals are all the same: σ_e = 0 by the rule


def review_total(scores: Mapping[int, float], criteria: Sequence[CriterionSpec]) -> float:
    """100 · Σ w_c·(s_c/m_c) / Σ w_c over the criteria present in `scores` (criterion id → value)."""
    return _review_total(scores, _prepared(criteria))


def _prepared(criteria: Sequence[CriterionSpec]) -> list[tuple[int, float, float]]:
    # Decimal → float once per round, not once per score.
    return [(c.id, float(c.weight), float(c.max_score)) for c in criteria]


def _review_total(scores: Mapping[int, float], prepared: Sequence[tuple[int, float, float]]) -> float:
    # Criteria are always walked in the round's order, so a plain sum is deterministic here.
    weighted = 0.0
    weights = 0.0
    for criterion_id, weight, max_score in prepared:
        value = scores.get(criterion_id)
        if value is not None:
            weighted += weight * (value / max_score)
            weights += weight
    # Rounded far below any displayed precision so that totals equal on paper are equal floats
    # (1/3 + 2/3 and 2/3 + 1/3 differ in the last bit), which z = 0 for σ_e = 0 relies on.
    return round(100.0 * weighted / weights, 9) if weights else 0.0


def mean(totals: Sequence[float]) -> float | None:
    return math.fsum(totals) / len(totals) if totals else None


def trimmed_mean(totals: Sequence[float]) -> float | None:
    """Drop exactly one highest and one lowest total, then the mean; with fewer than 3, the mean."""
    if len(totals) < 3:
        return mean(totals)
    ordered = sorted(totals)
    return mean(ordered[1:-1])


def population_mean_std(values: Sequence[float]) -> tuple[float, float]:
    mu = math.fsum(values) / len(values)
    variance = math.fsum((v - mu) ** 2 for v in values) / len(values)
    return mu, math.sqrt(variance)


def evaluator_z(totals_by_evaluator: Mapping[int, Sequence[float]]) -> dict[int, tuple[float, float] | None]:
    """μ_e, σ_e per evaluator; None where z is 0 by rule (fewer than 2 reviews or σ_e = 0)."""
    stats: dict[int, tuple[float, float] | None] = {}
    for evaluator_id, totals in totals_by_evaluator.items():
        if len(totals) < 2:
            stats[evaluator_id] = None
            continue
        mu, sigma = population_mean_std(totals)
        stats[evaluator_id] = (mu, sigma) if sigma > SIGMA_ZERO else None
    return stats


def z_of(total: float, stat: tuple[float, float] | None) -> float:
    if stat is None:
        return 0.0
    mu, sigma = stat
    return (total - mu) / sigma


def bonus_for(flags: Iterable[str], points: Mapping[str, Decimal], cap: Decimal) -> Decimal:
    """Sum of the bonuses the startup qualifies for, capped at the round's cap."""
    return min(sum((points[flag] for flag in flags if flag in points), Decimal("0")), cap)


def tie_break_criterion(criteria: Sequence[CriterionSpec]) -> CriterionSpec | None:
    """The highest-weight criterion; the first in the round's order when weights tie."""
    ordered = sorted(criteria, key=lambda c: (c.order, c.id))
    return max(ordered, key=lambda c: c.weight) if ordered else None  # max keeps the first of equals


def advance(
    ranked: Sequence[tuple[int, int | None, Decimal | None, bool]],
    *,
    rule: str,
    scope: str,
    count: int | None,
    cutoff: Decimal | None,
) -> set[int]:
    """Who advances. `ranked`: (application id, track id, final score, failed) in rank order."""
    taken: dict[int | None, int] = defaultdict(int)
    advanced: set[int] = set()
    for application_id, track_id, final, failed in ranked:
        if failed or final is None:
            continue  # a failed application never advances and takes no place
        group = track_id if scope == PER_TRACK else None
        if rule in (CUTOFF, TOP_N_CUTOFF) and final < cutoff:
            continue
        if rule in (TOP_N, TOP_N_CUTOFF) and taken[group] >= count:
            continue
        taken[group] += 1
        advanced.add(application_id)
    return advanced


# --------------------------------------------------------------------------------------------
# Fingerprint


def _jsonable(value):
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 30.00 and 30 are the same input
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def fingerprint(
    round_spec: RoundSpec,
    criteria: Sequence[CriterionSpec],
    applications: Sequence[ApplicationSpec],
    scores: Sequence[ScoreRow],
    earlier_round_scores: Mapping[tuple[int, int], Decimal],
) -> str:
    """sha256 of a canonical JSON of every input, configuration included; order-independent."""
    j = _jsonable
    document = {
        "round": [
            round_spec.id,
            round_spec.aggregation,
            round_spec.advancement_rule,
            round_spec.advancement_scope,
            round_spec.advance_count,
            j(round_spec.cutoff_score),
            j(round_spec.bonus_cap),
            sorted([flag, j(points)] for flag, points in round_spec.bonus_points.items()),
            sorted([c.source_round_id, c.source_round_order, j(c.weight)] for c in round_spec.carry_over),
        ],
        "criteria": sorted([c.id, c.code, j(c.weight), j(c.max_score), j(c.fail_threshold), c.order] for c in criteria),
        "applications": sorted([a.id, a.track_id, j(a.first_submitted_at), sorted(a.flags)] for a in applications),
        "earlier": sorted([r, a, j(s)] for (r, a), s in earlier_round_scores.items()),
    }
    canonical = json.dumps(document, separators=(",", ":"), ensure_ascii=True, default=str)
    digest = hashlib.sha256(canonical.encode())
    # Hundreds of thousands of scores: sorted, then hashed as little-endian doubles (ids are far
    # below 2**53, so exact), several times faster than encoding them as JSON.
    packed = array("d", chain.from_iterable(sorted(scores)))
    if sys.byteorder == "big":
        packed.byteswap()
    digest.update(packed.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# The whole round


def compute_round(
    round_spec: RoundSpec,
    criteria: Sequence[CriterionSpec],
    applications: Sequence[ApplicationSpec],
    scores: Iterable[ScoreRow],
    earlier_round_scores: Mapping[tuple[int, int], Decimal] | None = None,
) -> RoundComputation:
    """Every application's aggregates, scores, fail reasons, rank and advancement, in rank order.

    `scores` are the submitted reviews' scores of these applications; `earlier_round_scores`
    maps (earlier round id, application id) to that round's stored round score.
    """
    scores = list(scores)
    earlier_round_scores = dict(earlier_round_scores or {})
    criteria = sorted(criteria, key=lambda c: (c.order, c.id))
    by_id = {c.id: c for c in criteria}

    # Reviews: criterion id → value, with their application and evaluator.
    review_scores: dict[int, dict[int, float]] = defaultdict(dict)
    review_owner: dict[int, tuple[int, int]] = {}
    for review_id, application_id, evaluator_id, criterion_id, value in scores:
        if criterion_id in by_id:
            review_scores[review_id][criterion_id] = value
            review_owner[review_id] = (application_id, evaluator_id)

    prepared = _prepared(criteria)
    totals: dict[int, float] = {rid: _review_total(s, prepared) for rid, s in review_scores.items()}
    app_reviews: dict[int, list[int]] = defaultdict(list)
    evaluator_totals: dict[int, list[float]] = defaultdict(list)
    for review_id, (application_id, evaluator_id) in review_owner.items():
        app_reviews[application_id].append(review_id)
        evaluator_totals[evaluator_id].append(totals[review_id])

    all_totals = list(totals.values())
    mu_round, sigma_round = population_mean_std(all_totals) if all_totals else (0.0, 0.0)
    z_stats = evaluator_z(evaluator_totals)

    thresholded = [c for c in criteria if c.fail_threshold is not None]
    tie_criterion = tie_break_criterion(criteria)
    this_round_weight = next((c.weight for c in round_spec.carry_over if c.source_round_id == round_spec.id), None)
    earlier = sorted(
        (c for c in round_spec.carry_over if c.source_round_id != round_spec.id), key=lambda c: c.source_round_order
    )

    rows = []
    for application in applications:
        reviews = app_reviews.get(application.id, [])
        app_totals = [totals[r] for r in reviews]
        reasons: list[str] = []
        mean_value = trimmed_value = z_value = aggregate = round_score = final = None
        bonus = bonus_for(application.flags, round_spec.bonus_points, round_spec.bonus_cap)

        def ratio_mean(criterion: CriterionSpec, reviews=reviews) -> float | None:
            ratios = [
                review_scores[r][criterion.id] / float(criterion.max_score)
                for r in reviews
                if criterion.id in review_scores[r]
            ]
            return math.fsum(ratios) / len(ratios) if ratios else None

        if app_totals:
            mean_value = q4(mean(app_totals))
            trimmed_value = q4(trimmed_mean(app_totals))
            mean_z = math.fsum(z_of(totals[r], z_stats[review_owner[r][1]]) for r in reviews) / len(reviews)
            z_value = q4(mu_round + sigma_round * mean_z)
            aggregate = {MEAN: mean_value, TRIMMED: trimmed_value, ZSCORE: z_value}[round_spec.aggregation]
            round_score = aggregate + bonus
            for criterion in thresholded:
                observed = ratio_mean(criterion)
                if observed is not None and observed < float(criterion.fail_threshold) - RATIO_TOLERANCE:
                    reasons.append(
                        f"{criterion.code}: mean {q4(observed)} of the maximum is below the threshold "
                        f"{criterion.fail_threshold}"
                    )
        else:
            reasons.append("no submitted reviews")

        if round_score is not None:
            if round_spec.carry_over:
                parts = [(this_round_weight or Decimal("0")) * round_score]
                for carry in earlier:
                    earlier_score = earlier_round_scores.get((carry.source_round_id, application.id))
                    if earlier_score is None:
                        reasons.append(f"no score in round {carry.source_round_order}")
                    else:
                        parts.append(carry.weight * earlier_score)
                if not any(r.startswith("no score in round") for r in reasons):
                    final = sum(parts, Decimal("0")).quantize(FOUR_PLACES, rounding=ROUND_HALF_UP)
            else:
                final = round_score

        tie_value = ratio_mean(tie_criterion) if (tie_criterion and reviews) else None
        rows.append(
            {
                "application": application,
                "review_count": len(reviews),
                "mean": mean_value,
                "trimmed": trimmed_value,
                "zscore": z_value,
                "aggregate": aggregate,
                "bonus": bonus,
                "round_score": round_score,
                "final": final,
                "reasons": tuple(reasons),
                "sort_key": (
                    final is None,
                    -(final or 0),
                    -(tie_value if tie_value is not None else -1.0),
                    application.first_submitted_at is None,
                    application.first_submitted_at or dt.datetime.min.replace(tzinfo=dt.UTC),
                    application.id,
                ),
            }
        )

    rows.sort(key=lambda row: row["sort_key"])
    advanced = advance(
        [(row["application"].id, row["application"].track_id, row["final"], bool(row["reasons"])) for row in rows],
        rule=round_spec.advancement_rule,
        scope=round_spec.advancement_scope,
        count=round_spec.advance_count,
        cutoff=round_spec.cutoff_score,
    )
    results = tuple(
        ApplicationResult(
            application_id=row["application"].id,
            review_count=row["review_count"],
            mean=row["mean"],
            trimmed_mean=row["trimmed"],
            zscore=row["zscore"],
            aggregate=row["aggregate"],
            bonus=row["bonus"],
            round_score=row["round_score"],
            final_score=row["final"],
            rank=position,
            failed=bool(row["reasons"]),
            fail_reasons=row["reasons"],
            advanced=row["application"].id in advanced,
        )
        for position, row in enumerate(rows, start=1)
    )
    return RoundComputation(
        fingerprint=fingerprint(round_spec, criteria, applications, scores, earlier_round_scores),
        results=results,
    )
