"""Scoring maths for one evaluation round: pure functions over plain data, no database.

The rules are DESIGN.md's "Scoring — exact rules":

1. review total = 100 · Σ w_c·(s_c/m_c) / Σ w_c (over the criteria the review scored; a criterion
   limited to tracks counts only for applications in those tracks);
2. aggregates over an application's submitted reviews: `mean`, `trimmed` (one highest and
   one lowest total dropped; plain mean below 3 reviews) and `zscore` (per-evaluator
   standardisation mapped back to the round's scale, μ_R + σ_R · mean z);
3. bonus = Σ points of the startup's flags, capped; round score = aggregate + bonus;
   with carry-over weights final = Σ weight_i · round score_i, otherwise final = round score;
4. fail (과락): the mean of s_c/m_c over the reviews below a criterion's threshold;
5. rank: final desc, then the mean s_c/m_c on the highest-weight criterion (first in
   order on a tie; among the criteria of the application's track when some are limited to
   tracks), then earlier first submission, then application id;
6. advancement: top_n / cutoff / top_n_cutoff, overall or per track; a failed
   application never advances and takes no place.

Exactness: scores, maxima, weights, bonus points and carry-over weights are decimals, so every
total, mean, trimmed mean, bonus, round score and carry-over final is an exact rational
(`Fraction`), and every decision (fail, rank, tie-break, cut-off, advancement) compares those.
Review totals are kept as integers over one common denominator for the round, so a round of
hundreds of thousands of scores costs integer sums, not fraction arithmetic per score.
z-scores need square roots: they are taken in `decimal` with 60 significant digits, the
z-score aggregate is kept to 40 decimal places (`ZSCORE_PLACES`) and marked approximate, and
approximate finals are compared after rounding to 30 decimal places (`COMPARE_PLACES`), so
that values equal on paper compare equal and fall to the tie-break.

Applications that cannot be scored are failed with a reason and ranked last (in the same
tie-break order): no submitted review (`no_reviews`), or, with carry-over, no round score in an
earlier round (`no_earlier_score`); their final score is None. Reasons and tie-break notes are
codes with parameters (plain dicts), translated where they are shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sys
from array import array
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from fractions import Fraction
from itertools import chain
from typing import Any

MEAN, TRIMMED, ZSCORE = "mean", "trimmed", "zscore"
TOP_N, CUTOFF, TOP_N_CUTOFF = "top_n", "cutoff", "top_n_cutoff"
OVERALL, PER_TRACK = "overall", "per_track"

# Reason and tie-break codes (translated by matching.reasons where they are shown).
NO_REVIEWS, NO_EARLIER_SCORE, BELOW_THRESHOLD = "no_reviews", "no_earlier_score", "below_threshold"
TIE_EXACT_SCORE, TIE_CRITERION, TIE_FIRST_SUBMISSION, TIE_APPLICATION = (
    "exact_score",
    "criterion",
    "first_submission",
    "application",
)

ROOT_CONTEXT = Context(prec=60, rounding=ROUND_HALF_UP)  # square roots and z-scores: 60 significant digits
ZSCORE_PLACES = 40
COMPARE_PLACES = 30
SHOWN_PLACES = 2  # pages; the API and exports show 4
ZERO = Fraction(0)


@dataclass(frozen=True)
class CriterionSpec:
    id: int
    code: str
    weight: Decimal
    max_score: Decimal
    fail_threshold: Decimal | None = None
    order: int = 0
    tracks: frozenset[int] = frozenset()  # scored only for applications in these tracks; empty for every track

    def applies_to(self, track_id: int | None) -> bool:
        return criterion_applies(self.tracks, track_id)


def criterion_applies(tracks: Collection[int], track_id: int | None) -> bool:
    """Whether a criterion limited to `tracks` (empty: every track) is scored for an application of
    `track_id` — the one rule for the computation, the score sheet, the API and the score import."""
    return not tracks or track_id in tracks


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
    approximate: bool = False  # the source round's scores came through z-scores


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


# One submitted score: (review id, application id, evaluator id, criterion id, value). The value is
# a Decimal, int, str or Fraction; a float is read as the decimal it prints as (7.1 is 71/10).
ScoreRow = tuple[int, int, int, int, Any]


@dataclass(frozen=True)
class ApplicationResult:
    application_id: int
    review_count: int
    mean: Fraction | None
    trimmed_mean: Fraction | None
    zscore: Fraction | None  # the 40-decimal value of μ_R + σ_R · mean z
    aggregate: Fraction | None
    bonus: Fraction
    round_score: Fraction | None
    final_score: Fraction | None
    approximate: bool  # the final went through z-scores: compared after rounding to 30 places
    tie_value: Fraction | None  # mean s/m on the tie-break criterion
    rank: int
    failed: bool
    fail_reasons: tuple[dict, ...]
    tie_break: dict | None  # why it ranks below the row above that shows the same final
    advanced: bool

    @property
    def compare_value(self) -> Fraction | None:
        return compare_value(self.final_score, approximate=self.approximate)


@dataclass(frozen=True)
class RoundComputation:
    fingerprint: str
    results: tuple[ApplicationResult, ...]  # in rank order


# --------------------------------------------------------------------------------------------
# Numbers


def exact(value: Any) -> Fraction:
    """The exact rational of a decimal input; a float is read as the decimal it prints as."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a number: {value!r}")
        return Fraction(repr(value))
    return Fraction(value)


def rounded(value: Fraction, places: int) -> Decimal:
    """Half-up (away from zero) rounding of an exact value to `places` decimals (integer arithmetic)."""
    numerator, denominator = value.numerator, value.denominator
    whole, rest = divmod(abs(numerator) * 10**places, denominator)
    if 2 * rest >= denominator:
        whole += 1
    return Decimal(-whole if numerator < 0 else whole).scaleb(-places)


def q4(value: Fraction | Decimal | float | None) -> Decimal | None:
    """The 4-decimal value the API and exports show (half up from the exact value)."""
    return None if value is None else rounded(exact(value), 4)


def q2(value: Fraction | Decimal | float | None) -> Decimal | None:
    """The 2-decimal value pages show (half up from the exact value)."""
    return None if value is None else rounded(exact(value), SHOWN_PLACES)


def compare_value(value: Fraction | None, *, approximate: bool) -> Fraction | None:
    """The value decisions compare: exact, or rounded to 30 places where it went through square roots."""
    if value is None or not approximate:
        return value
    return Fraction(rounded(value, COMPARE_PLACES))


def as_text(value: Fraction | None) -> str | None:
    """A round-tripping text form: "p/q" (or "p" for an integer)."""
    if value is None:
        return None
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def from_text(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)


def _rational_gcd(values: Iterable[Fraction]) -> Fraction:
    numerator, denominator = 0, 1
    for value in values:
        numerator = math.gcd(numerator * value.denominator, value.numerator * denominator)
        denominator *= value.denominator
        common = math.gcd(numerator, denominator)
        numerator, denominator = numerator // common, denominator // common
    return Fraction(numerator, denominator)


def _to_decimal(value: Fraction) -> Decimal:
    return ROOT_CONTEXT.divide(Decimal(value.numerator), Decimal(value.denominator))


# --------------------------------------------------------------------------------------------
# Small rules, each usable on its own


def review_total(scores: Mapping[int, Any], criteria: Sequence[CriterionSpec]) -> Fraction | None:
    """100 · Σ w_c·(s_c/m_c) / Σ w_c over the criteria present in `scores` (criterion id → value),
    exactly; None when the review scored none of them."""
    weighted = weights = ZERO
    for criterion in criteria:
        value = scores.get(criterion.id)
        if value is not None:
            weight = exact(criterion.weight)
            weighted += weight * exact(value) / exact(criterion.max_score)
            weights += weight
    return 100 * weighted / weights if weights else None


def mean(totals: Sequence[Fraction | int]) -> Fraction | None:
    return Fraction(sum(totals), len(totals)) if totals else None


def trimmed_mean(totals: Sequence[Fraction | int]) -> Fraction | None:
    """Drop exactly one highest and one lowest total, then the mean; with fewer than 3, the mean."""
    if len(totals) < 3:
        return mean(totals)
    return mean(sorted(totals)[1:-1])


def bonus_for(flags: Iterable[str], points: Mapping[str, Any], cap: Any) -> Fraction:
    """Sum of the bonuses the startup qualifies for, capped at the round's cap."""
    return min(sum((exact(points[flag]) for flag in flags if flag in points), ZERO), exact(cap))


def tie_break_criterion(criteria: Sequence[CriterionSpec]) -> CriterionSpec | None:
    """The highest-weight criterion; the first in the round's order when weights tie."""
    ordered = sorted(criteria, key=lambda c: (c.order, c.id))
    return max(ordered, key=lambda c: exact(c.weight)) if ordered else None  # max keeps the first of equals


def advance(
    ranked: Sequence[tuple[int, int | None, Fraction | Decimal | None, bool]],
    *,
    rule: str,
    scope: str,
    count: int | None,
    cutoff: Any,
) -> set[int]:
    """Who advances. `ranked`: (application id, track id, final to compare, failed) in rank order."""
    threshold = exact(cutoff) if cutoff is not None else None
    taken: dict[int | None, int] = defaultdict(int)
    advanced: set[int] = set()
    for application_id, track_id, final, failed in ranked:
        if failed or final is None:
            continue  # a failed application never advances and takes no place
        group = track_id if scope == PER_TRACK else None
        if rule in (CUTOFF, TOP_N_CUTOFF) and final < threshold:
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
    if isinstance(value, Fraction):
        return as_text(value)
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def fingerprint(
    round_spec: RoundSpec,
    criteria: Sequence[CriterionSpec],
    applications: Sequence[ApplicationSpec],
    scores: Sequence[tuple[int, int, int, int, int]],
    unit: int,
    earlier_round_scores: Mapping[tuple[int, int], Fraction],
) -> str:
    """sha256 of a canonical JSON of every input, configuration included; order-independent.
    `scores` carry each value as an integer S = value · unit, so 7.5 and 7.50 are the same input."""
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
            sorted(
                [c.source_round_id, c.source_round_order, j(c.weight), c.approximate] for c in round_spec.carry_over
            ),
        ],
        # A criterion's tracks are listed only when it has some: fingerprints of rounds without are unchanged.
        "criteria": sorted(
            [
                c.id,
                c.code,
                j(c.weight),
                j(c.max_score),
                j(c.fail_threshold),
                c.order,
                *([sorted(c.tracks)] * bool(c.tracks)),
            ]
            for c in criteria
        ),
        "applications": sorted([a.id, a.track_id, j(a.first_submitted_at), sorted(a.flags)] for a in applications),
        "earlier": sorted([r, a, j(s)] for (r, a), s in earlier_round_scores.items()),
        "unit": unit,
    }
    digest = hashlib.sha256(json.dumps(document, separators=(",", ":"), ensure_ascii=True, default=str).encode())
    # Hundreds of thousands of scores: sorted, then hashed as little-endian 64-bit integers, far faster
    # than JSON; text for the (theoretical) integer beyond 64 bits.
    ordered = sorted(scores)
    try:
        packed = array("q", chain.from_iterable(ordered))
    except OverflowError:
        digest.update(repr(ordered).encode())
    else:
        if sys.byteorder == "big":
            packed.byteswap()
        digest.update(packed.tobytes())
    return digest.hexdigest()


# --------------------------------------------------------------------------------------------
# The whole round


class _Totals:
    """Every review total as an integer over one common denominator: total_r = units[r] · base.

    With unit = the common denominator of all scores (100 for two-decimal scores), S = s · unit and
    k_c = w_c/m_c · lcm(denominators) an integer per criterion, a review's Σ w_c·s_c/m_c is the
    integer Σ k_c·S_c over a constant; dividing by the review's Σ w_c (the same for every complete
    review) gives a rational factor per set of scored criteria, brought to one base by their gcd.
    Each (review, criterion) appears once in the scores (the database guarantees it).
    """

    def __init__(
        self,
        criteria: Sequence[CriterionSpec],
        scores: Sequence[ScoreRow],
        ratio_criteria: set[int],
    ) -> None:
        # Few distinct values among hundreds of thousands of scores: convert each once.
        values = {raw: exact(raw) for raw in {row[4] for row in scores}}
        self.unit = unit = math.lcm(1, *(value.denominator for value in values.values()))
        scaled = {raw: int(value * unit) for raw, value in values.items()}
        weights = {c.id: exact(c.weight) for c in criteria}
        self.maxima = {c.id: exact(c.max_score) for c in criteria}
        ratios = {c.id: weights[c.id] / self.maxima[c.id] for c in criteria}
        ratio_denominator = math.lcm(1, *(ratio.denominator for ratio in ratios.values()))
        k = {cid: int(ratio * ratio_denominator) for cid, ratio in ratios.items()}
        weight_denominator = math.lcm(1, *(w.denominator for w in weights.values()))
        weight_units = {cid: int(w * weight_denominator) for cid, w in weights.items()}

        weighted: dict[int, int] = defaultdict(int)
        weighed: dict[int, int] = defaultdict(int)
        self.owner: dict[int, tuple[int, int]] = {}
        # (application id, criterion id) → [Σ S, count] for the criteria whose mean s/m decides something
        self.ratio_sums: dict[tuple[int, int], list[int]] = {}
        self.rows: list[tuple[int, int, int, int, int]] = []
        owner, ratio_sums, rows = self.owner, self.ratio_sums, self.rows
        for review_id, application_id, evaluator_id, criterion_id, raw in scores:
            value = scaled[raw]
            weighted[review_id] += k[criterion_id] * value
            weighed[review_id] += weight_units[criterion_id]
            owner[review_id] = (application_id, evaluator_id)
            rows.append((review_id, application_id, evaluator_id, criterion_id, value))
            if criterion_id in ratio_criteria:
                sums = ratio_sums.get((application_id, criterion_id))
                if sums is None:
                    ratio_sums[(application_id, criterion_id)] = [value, 1]
                else:
                    sums[0] += value
                    sums[1] += 1
        # total = 100 · weighted / (ratio_denominator · unit) / (weighed / weight_denominator)
        factors = {w: Fraction(100 * weight_denominator, ratio_denominator * unit * w) for w in set(weighed.values())}
        self.base = _rational_gcd(factors.values()) if factors else Fraction(1)
        multipliers = {w: int(factor / self.base) for w, factor in factors.items()}
        self.units = {review_id: weighted[review_id] * multipliers[weighed[review_id]] for review_id in weighted}

    def ratio_mean(self, application_id: int, criterion: CriterionSpec) -> Fraction | None:
        """Mean s/m over the application's reviews that scored the criterion, exactly."""
        sums = self.ratio_sums.get((application_id, criterion.id))
        if sums is None:
            return None
        return Fraction(sums[0], sums[1] * self.unit * self.maxima[criterion.id])


def _zscore_means(
    totals: _Totals, app_reviews: Mapping[int, Sequence[int]], evaluator_reviews: Mapping[int, Sequence[int]]
) -> dict[int, Fraction]:
    """μ_R + σ_R · mean z per application, to 40 decimals (σ_e = 0 exactly when an evaluator's totals
    are equal; z = 0 then and for an evaluator with fewer than 2 reviews)."""
    units = totals.units
    # z = (t − μ_e)/σ_e = (n_e·T − ΣT) / √(n_e·ΣT² − (ΣT)²): the common base cancels.
    z_by_review: dict[int, Decimal] = {}
    for reviews in evaluator_reviews.values():
        values = [units[r] for r in reviews]
        n, total = len(values), sum(values)
        spread = n * sum(v * v for v in values) - total * total
        if n < 2 or spread == 0:
            for r in reviews:
                z_by_review[r] = Decimal(0)
            continue
        root = ROOT_CONTEXT.sqrt(Decimal(spread))
        for r, value in zip(reviews, values, strict=True):
            z_by_review[r] = ROOT_CONTEXT.divide(Decimal(n * value - total), root)
    all_units = list(units.values())
    n_round, total_round = len(all_units), sum(all_units)
    if not n_round:
        return {}
    base = totals.base
    mu_round = _to_decimal(Fraction(base.numerator * total_round, base.denominator * n_round))
    spread_round = n_round * sum(v * v for v in all_units) - total_round * total_round
    sigma_round = ROOT_CONTEXT.divide(
        ROOT_CONTEXT.multiply(_to_decimal(base), ROOT_CONTEXT.sqrt(Decimal(spread_round))), Decimal(n_round)
    )
    quantum = Decimal(1).scaleb(-ZSCORE_PLACES)
    means: dict[int, Fraction] = {}
    for application_id, reviews in app_reviews.items():
        if not reviews:
            continue
        z_sum = Decimal(0)
        for r in reviews:
            z_sum = ROOT_CONTEXT.add(z_sum, z_by_review[r])
        mean_z = ROOT_CONTEXT.divide(z_sum, Decimal(len(reviews)))
        value = ROOT_CONTEXT.add(mu_round, ROOT_CONTEXT.multiply(sigma_round, mean_z))
        means[application_id] = Fraction(value.quantize(quantum, rounding=ROUND_HALF_UP, context=ROOT_CONTEXT))
    return means


def compute_round(
    round_spec: RoundSpec,
    criteria: Sequence[CriterionSpec],
    applications: Sequence[ApplicationSpec],
    scores: Iterable[ScoreRow],
    earlier_round_scores: Mapping[tuple[int, int], Any] | None = None,
) -> RoundComputation:
    """Every application's aggregates, scores, fail reasons, rank and advancement, in rank order.

    `scores` are the submitted reviews' scores of these applications; `earlier_round_scores`
    maps (earlier round id, application id) to that round's exact round score.
    """
    earlier_round_scores = {key: exact(value) for key, value in (earlier_round_scores or {}).items()}
    criteria = sorted(criteria, key=lambda c: (c.order, c.id))
    by_id = {c.id: c for c in criteria}
    application_ids = {a.id for a in applications}
    thresholded = [c for c in criteria if c.fail_threshold is not None]
    # Criteria limited to tracks: a score of another track's application is not counted, and each
    # track breaks ties on the highest-weight criterion among its own (the round's, when none is limited).
    limited = {c.id: c.tracks for c in criteria if c.tracks}
    track_of = {a.id: a.track_id for a in applications}
    tie_of_track = {
        track_id: tie_break_criterion([c for c in criteria if c.applies_to(track_id)])
        for track_id in set(track_of.values())
    }
    ratio_criteria = {c.id for c in thresholded} | {c.id for c in tie_of_track.values() if c is not None}

    scores = [row for row in scores if row[3] in by_id and row[1] in application_ids]
    if limited:
        scores = [row for row in scores if row[3] not in limited or track_of[row[1]] in limited[row[3]]]
    totals = _Totals(criteria, scores, ratio_criteria)
    app_reviews: dict[int, list[int]] = defaultdict(list)
    evaluator_reviews: dict[int, list[int]] = defaultdict(list)
    for review_id in sorted(totals.owner):
        application_id, evaluator_id = totals.owner[review_id]
        app_reviews[application_id].append(review_id)
        evaluator_reviews[evaluator_id].append(review_id)
    zscores = _zscore_means(totals, app_reviews, evaluator_reviews) if totals.owner else {}

    this_round_weight = next(
        (exact(c.weight) for c in round_spec.carry_over if c.source_round_id == round_spec.id), ZERO
    )
    earlier = sorted(
        (c for c in round_spec.carry_over if c.source_round_id != round_spec.id), key=lambda c: c.source_round_order
    )
    approximate = round_spec.aggregation == ZSCORE or any(c.approximate for c in earlier)
    carry_weights = {c.source_round_id: exact(c.weight) for c in earlier}
    thresholds = {c.id: exact(c.fail_threshold) for c in thresholded}
    points, cap = {flag: exact(p) for flag, p in round_spec.bonus_points.items()}, exact(round_spec.bonus_cap)
    bonuses: dict[frozenset[str], Fraction] = {}

    rows = []
    base = totals.base
    for application in applications:
        reviews = app_reviews.get(application.id, [])
        units = [totals.units[r] for r in reviews]
        reasons: list[dict] = []
        mean_value = trimmed_value = z_value = aggregate = round_score = final = None
        bonus = bonuses.get(application.flags)
        if bonus is None:  # few distinct sets of flags
            bonus = bonuses[application.flags] = bonus_for(application.flags, points, cap)
        ratios = {c.id: totals.ratio_mean(application.id, c) for c in criteria if c.id in ratio_criteria}

        if units:
            # Totals share the base, so the rules run on their integer units.
            mean_value, trimmed_value = base * mean(units), base * trimmed_mean(units)
            z_value = zscores[application.id]
            aggregate = {MEAN: mean_value, TRIMMED: trimmed_value, ZSCORE: z_value}[round_spec.aggregation]
            round_score = aggregate + bonus
            for criterion in thresholded:
                observed = ratios[criterion.id]
                threshold = thresholds[criterion.id]
                if observed is not None and observed < threshold:
                    reasons.append(
                        {
                            "code": BELOW_THRESHOLD,
                            "criterion": criterion.code,
                            "mean": str(_distinct(observed, threshold)[0]),  # 0.3999…, not 0.4000
                            "threshold": _jsonable(Decimal(criterion.fail_threshold)),
                        }
                    )
        else:
            reasons.append({"code": NO_REVIEWS})

        if round_score is not None:
            if round_spec.carry_over:
                parts = [this_round_weight * round_score]
                missing = False
                for carry in earlier:
                    earlier_score = earlier_round_scores.get((carry.source_round_id, application.id))
                    if earlier_score is None:
                        reasons.append({"code": NO_EARLIER_SCORE, "round": carry.source_round_order})
                        missing = True
                    else:
                        parts.append(carry_weights[carry.source_round_id] * earlier_score)
                if not missing:
                    final = sum(parts, ZERO)
            else:
                final = round_score

        own_tie = tie_of_track[application.track_id]
        tie_value = ratios.get(own_tie.id) if own_tie else None
        compared = compare_value(final, approximate=approximate)
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
                "compared": compared,
                "tie_value": tie_value,
                "tie_criterion": own_tie,
                "reasons": tuple(reasons),
                "sort_key": (
                    compared is None,
                    -(compared if compared is not None else ZERO),
                    -(tie_value if tie_value is not None else Fraction(-1)),
                    application.first_submitted_at is None,
                    application.first_submitted_at or dt.datetime.min.replace(tzinfo=dt.UTC),
                    application.id,
                ),
            }
        )

    rows.sort(key=lambda row: row["sort_key"])
    advanced = advance(
        [(row["application"].id, row["application"].track_id, row["compared"], bool(row["reasons"])) for row in rows],
        rule=round_spec.advancement_rule,
        scope=round_spec.advancement_scope,
        count=round_spec.advance_count,
        cutoff=round_spec.cutoff_score,
    )
    notes = tie_break_notes(rows)
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
            approximate=approximate,
            tie_value=row["tie_value"],
            rank=position,
            failed=bool(row["reasons"]),
            fail_reasons=row["reasons"],
            tie_break=note,
            advanced=row["application"].id in advanced,
        )
        for position, (row, note) in enumerate(zip(rows, notes, strict=True), start=1)
    )
    return RoundComputation(
        fingerprint=fingerprint(round_spec, criteria, applications, totals.rows, totals.unit, earlier_round_scores),
        results=results,
    )


def tie_break_notes(rows: Sequence[Mapping[str, Any]]) -> list[dict | None]:
    """For each row in rank order, why it ranks below the row above when both show the same final
    (to 2 decimals, as pages show it): the exact final, the tie-break criterion (the row's track's),
    the first submission."""
    notes: list[dict | None] = [None]
    for above, row in zip(rows, rows[1:], strict=False):
        if row["final"] is None or above["final"] is None or q2(row["final"]) != q2(above["final"]):
            notes.append(None)
            continue
        if row["compared"] != above["compared"]:
            note = {"code": TIE_EXACT_SCORE}
        elif row["tie_value"] != above["tie_value"] and row["tie_criterion"] is not None:
            above_value, this_value = _distinct(above["tie_value"], row["tie_value"])
            note = {
                "code": TIE_CRITERION,
                "criterion": row["tie_criterion"].code,
                "above": str(above_value),
                "this": str(this_value),
            }
        elif row["application"].first_submitted_at != above["application"].first_submitted_at:
            note = {"code": TIE_FIRST_SUBMISSION}
        else:
            note = {"code": TIE_APPLICATION}
        notes.append(note)
    return notes[: len(rows)]


def _distinct(a: Fraction | None, b: Fraction | None) -> tuple[Decimal, Decimal]:
    """Both values with enough decimals to tell them apart."""
    a, b = a or ZERO, b or ZERO
    for places in range(4, 31):
        if rounded(a, places) != rounded(b, places):
            return rounded(a, places), rounded(b, places)
    return rounded(a, 30), rounded(b, 30)
