"""The project's ranks, fails and advancement equal an exact reference on random rounds full of paper ties.

The reference below is written from DESIGN.md's rules alone, with `Fraction` (and `decimal` at 80 digits
for the z-score roots), and shares no code with `matching.scoring`. Rounds are drawn so that equal
totals, equal finals and equal tie-break values are common: small integer or half-point scores, few
criteria, one to three reviews per application, a small evaluator pool.
"""

import datetime as dt
from decimal import Context, Decimal, localcontext
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.scoring import (
    CUTOFF,
    MEAN,
    OVERALL,
    PER_TRACK,
    TOP_N,
    TOP_N_CUTOFF,
    TRIMMED,
    ZSCORE,
    ApplicationSpec,
    CarryOver,
    CriterionSpec,
    RoundSpec,
    compute_round,
)

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
MANY = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FLAGS = ("women_owned", "social_venture")
REFERENCE_ROOTS = Context(prec=80)


# --------------------------------------------------------------------------------------------
# The reference


def reference(round_spec, criteria, applications, scores, earlier_round_scores):
    """[(application id, failed, advanced)] in rank order, by the rules as written."""
    weight = {c.id: Fraction(c.weight) for c in criteria}
    maximum = {c.id: Fraction(c.max_score) for c in criteria}
    reviews = {}
    for review_id, application_id, evaluator_id, criterion_id, value in scores:
        reviews.setdefault(review_id, (application_id, evaluator_id, {}))[2][criterion_id] = Fraction(value)

    def total(values):
        return 100 * sum(weight[c] * s / maximum[c] for c, s in values.items()) / sum(weight[c] for c in values)

    totals = {r: total(values) for r, (_a, _e, values) in reviews.items()}
    by_evaluator, by_application = {}, {}
    for r, (a, e, _values) in reviews.items():
        by_evaluator.setdefault(e, []).append(totals[r])
        by_application.setdefault(a, []).append(r)

    def mean(values):
        return sum(values, Fraction(0)) / len(values)

    def root(value: Fraction) -> Decimal:
        return REFERENCE_ROOTS.sqrt(REFERENCE_ROOTS.divide(Decimal(value.numerator), Decimal(value.denominator)))

    def to_decimal(value: Fraction) -> Decimal:
        return REFERENCE_ROOTS.divide(Decimal(value.numerator), Decimal(value.denominator))

    def z(review_id):
        application_id, evaluator_id, _values = reviews[review_id]
        mine = by_evaluator[evaluator_id]
        mu = mean(mine)
        variance = mean([(t - mu) ** 2 for t in mine])
        if len(mine) < 2 or variance == 0:
            return Decimal(0)
        return REFERENCE_ROOTS.divide(to_decimal(totals[review_id] - mu), root(variance))

    everything = list(totals.values())
    ordered = sorted(criteria, key=lambda c: (c.order, c.id))
    top = max(ordered, key=lambda c: Fraction(c.weight)) if ordered else None

    def ratio_mean(criterion, review_ids):
        ratios = [
            reviews[r][2][criterion.id] / maximum[criterion.id] for r in review_ids if criterion.id in reviews[r][2]
        ]
        return mean(ratios) if ratios else None

    rows = []
    for application in applications:
        review_ids = by_application.get(application.id, [])
        failed, final = not review_ids, None
        tie = ratio_mean(top, review_ids) if review_ids else None
        if review_ids:
            own = [totals[r] for r in review_ids]
            if round_spec.aggregation == MEAN:
                aggregate = mean(own)
            elif round_spec.aggregation == TRIMMED:
                aggregate = mean(sorted(own)[1:-1]) if len(own) >= 3 else mean(own)
            else:
                with localcontext(REFERENCE_ROOTS):  # every step at 80 digits, not the default 28
                    mu_r = mean(everything)
                    sigma_r = root(mean([(t - mu_r) ** 2 for t in everything]))
                    mean_z = sum((z(r) for r in review_ids), Decimal(0)) / len(review_ids)
                    aggregate = Fraction(to_decimal(mu_r) + sigma_r * mean_z)
            bonus = min(
                sum((Fraction(p) for f, p in round_spec.bonus_points.items() if f in application.flags), Fraction(0)),
                Fraction(round_spec.bonus_cap),
            )
            score = aggregate + bonus
            for criterion in criteria:
                if criterion.fail_threshold is not None:
                    observed = ratio_mean(criterion, review_ids)
                    if observed is not None and observed < Fraction(criterion.fail_threshold):
                        failed = True
            if round_spec.carry_over:
                final = Fraction(0)
                for carry in round_spec.carry_over:
                    if carry.source_round_id == round_spec.id:
                        final += Fraction(carry.weight) * score
                    elif (carry.source_round_id, application.id) in earlier_round_scores:
                        final += Fraction(carry.weight) * Fraction(
                            earlier_round_scores[carry.source_round_id, application.id]
                        )
                    else:
                        failed, final = True, None
                        break
            else:
                final = score
        if final is not None and round_spec.aggregation == ZSCORE:
            final = _round30(final)
        rows.append((application, final, tie, failed))

    rows.sort(
        key=lambda row: (
            row[1] is None,
            -(row[1] if row[1] is not None else 0),
            -(row[2] if row[2] is not None else -1),
            row[0].first_submitted_at is None,
            row[0].first_submitted_at or T0,
            row[0].id,
        )
    )
    taken, result = {}, []
    for application, final, _tie, failed in rows:
        group = application.track_id if round_spec.advancement_scope == PER_TRACK else None
        advanced = not failed and final is not None
        if advanced and round_spec.advancement_rule in (CUTOFF, TOP_N_CUTOFF):
            advanced = final >= Fraction(round_spec.cutoff_score)
        if advanced and round_spec.advancement_rule in (TOP_N, TOP_N_CUTOFF):
            advanced = taken.get(group, 0) < round_spec.advance_count
        if advanced:
            taken[group] = taken.get(group, 0) + 1
        result.append((application.id, failed, advanced))
    return result


def _round30(value: Fraction) -> Fraction:
    """Half up (away from zero) to 30 decimal places."""
    scaled = abs(value) * 10**30
    whole = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return Fraction(-whole if value < 0 else whole, 10**30)


# --------------------------------------------------------------------------------------------
# Rounds full of paper ties


@st.composite
def tied_rounds(draw):
    criteria = [
        CriterionSpec(
            id=i,
            code=f"c{i}",
            weight=Decimal(draw(st.sampled_from(["1", "1", "2", "0.5", "3"]))),
            max_score=Decimal(draw(st.sampled_from(["5", "10", "10", "20", "9999.99"]))),
            fail_threshold=draw(st.none() | st.none() | st.sampled_from([Decimal("0.4"), Decimal("0.25")])),
            order=i,
        )
        for i in range(1, draw(st.integers(1, 3)) + 1)
    ]
    rng = draw(st.randoms(use_true_random=False))
    halves = draw(st.booleans())
    applications = [
        ApplicationSpec(
            id=i,
            track_id=rng.choice((1, 2)),
            first_submitted_at=T0 + dt.timedelta(minutes=rng.randint(0, 3)),
            flags=frozenset(f for f in FLAGS if rng.random() < 0.2),
        )
        for i in range(1, draw(st.integers(2, 60)) + 1)
    ]
    evaluators = draw(st.integers(2, 6))
    scores, review_id = [], 0
    for application in applications:
        for evaluator in rng.sample(range(1, evaluators + 1), rng.randint(1, min(3, evaluators))):
            review_id += 1
            for criterion in criteria:
                top = int(min(criterion.max_score, 10))
                value = Decimal(rng.randint(0, top * (2 if halves else 1))) / (2 if halves else 1)
                scores.append((review_id, application.id, evaluator, criterion.id, value))
    rule = draw(st.sampled_from((TOP_N, CUTOFF, TOP_N_CUTOFF)))
    carry_over, earlier = (), {}
    if draw(st.booleans()):
        this = Decimal(draw(st.sampled_from(["0.7", "0.5", "0.333"])))
        carry_over = (CarryOver(1, 1, 1 - this), CarryOver(2, 2, this))
        earlier = {(1, a.id): Fraction(rng.randint(0, 300), 3) for a in applications if rng.random() < 0.95}
    round_spec = RoundSpec(
        id=2,
        aggregation=draw(st.sampled_from((MEAN, TRIMMED, ZSCORE))),
        advancement_rule=rule,
        advancement_scope=draw(st.sampled_from((OVERALL, PER_TRACK))),
        advance_count=draw(st.integers(1, 12)),
        cutoff_score=Decimal(draw(st.sampled_from(["40", "50", "60", "33.33", "66.67"]))),
        bonus_cap=Decimal(draw(st.sampled_from(["0", "1", "2.5"]))),
        bonus_points={"women_owned": Decimal("1"), "social_venture": Decimal("1.5")},
        carry_over=carry_over,
    )
    return {
        "round_spec": round_spec,
        "criteria": criteria,
        "applications": applications,
        "scores": scores,
        "earlier_round_scores": earlier,
    }


@MANY
@given(tied_rounds())
def test_ranks_fails_and_advancement_equal_the_exact_reference_on_rounds_with_many_paper_ties(case):
    computed = [(r.application_id, r.failed, r.advanced) for r in compute_round(**case).results]

    assert computed == reference(**case)


def test_the_reference_rounds_half_up_at_thirty_places():
    assert _round30(Fraction(1, 3)) == Fraction(333333333333333333333333333333, 10**30)
    assert _round30(Fraction(2, 3)) == Fraction(666666666666666666666666666667, 10**30)
    assert _round30(Fraction(-2, 3)) == Fraction(-666666666666666666666666666667, 10**30)


def test_the_reference_itself_breaks_a_paper_tie_on_the_highest_weight_criterion():
    criteria = [CriterionSpec(id=c, code=f"c{c}", weight=Decimal(1), max_score=Decimal(10), order=c) for c in (1, 2, 3)]
    applications = [
        ApplicationSpec(id=1, first_submitted_at=T0 + dt.timedelta(1)),
        ApplicationSpec(id=2, first_submitted_at=T0),
    ]
    scores = [(1, 1, 1, c, Decimal(v)) for c, v in zip((1, 2, 3), (2, 3, 1), strict=True)]
    scores += [(2, 2, 1, c, Decimal(v)) for c, v in zip((1, 2, 3), (1, 3, 2), strict=True)]

    ranked = reference(RoundSpec(id=1, advance_count=1, cutoff_score=None), criteria, applications, scores, {})

    assert ranked == [(1, False, True), (2, False, False)]
