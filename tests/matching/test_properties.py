"""Property-based tests (hypothesis) of the pure scoring and assignment modules: no database.

Small but varied rounds are generated — criteria with random weights, maxima and fail thresholds,
zero to five reviews per application scored in half points, one to three tracks, every
aggregation method, advancement rule and scope, optional bonuses and carry-over — and the
invariants DESIGN.md promises are checked on each: ranks are a permutation, no more than N
advance (overall or per track), cut-offs hold, a failed application never advances, and the
result depends on the inputs only, not on their order. Assignment instances (up to 30
applications, 12 evaluators, k up to 4, random conflicts and expertise) check that a plan gives
every application k distinct unconflicted evaluators with balanced loads, and that a refusal
assigns nothing. The last tests keep a defect found on the way from coming back: totals equal on
paper but one float ulp apart once gave σ_e ≈ 1e-15 instead of 0 in the z-score method.
"""

import datetime as dt
import itertools
from collections import Counter, defaultdict
from dataclasses import replace
from decimal import Decimal as D

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from matching.assignment import assign, check_plan
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
    q4,
)

# No example database, so every run starts fresh (.hypothesis/ still holds a cache, git-ignored by its own .gitignore).
FAST = settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
THOROUGH = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
RULES = (TOP_N, CUTOFF, TOP_N_CUTOFF)
FLAGS = ("female_founder", "local", "youth")
THIS_ROUND, EARLIER_ROUND = 2, 1

# Strategies drawn many times per example are built once: building them is most of the cost.
WEIGHTS = st.integers(1, 80).map(lambda halves: D(halves) / 2)  # 0.5 .. 40, ties likely
MAX_SCORES = st.integers(1, 20).map(D)
THRESHOLDS = st.none() | st.sampled_from(["0.2", "0.35", "0.5", "0.65"]).map(D)
ORDERS = st.integers(0, 3)  # equal orders fall back to the id
SUBMITTED = st.none() | st.integers(0, 5).map(lambda minutes: T0 + dt.timedelta(minutes=minutes))
FLAG_SETS = st.sets(st.sampled_from(FLAGS), max_size=2)
TRACKS = {count: st.integers(1, count) for count in range(1, 4)}
REVIEWERS = {count: st.lists(st.integers(1, count), max_size=min(5, count), unique=True) for count in range(1, 9)}
EARLIER_SCORES = st.integers(0, 1_000_000).map(lambda n: D(n) / 10_000)
SECTORS = st.sets(st.integers(0, 5), max_size=2)
EXPERTISE = st.sets(st.integers(0, 5), max_size=3)
ONE_IN_TEN = st.integers(0, 9)


# --------------------------------------------------------------------------------------------
# Strategies


@st.composite
def criteria_lists(draw):
    count = draw(st.integers(1, 6))
    criteria = []
    for criterion_id in range(1, count + 1):
        criteria.append(
            CriterionSpec(
                id=criterion_id,
                code=f"c{criterion_id}",
                weight=draw(WEIGHTS),
                max_score=draw(MAX_SCORES),
                fail_threshold=draw(THRESHOLDS),
                order=draw(ORDERS),
            )
        )
    return criteria


@st.composite
def rounds(draw, rules=RULES):
    """The keyword arguments of `compute_round` for one random round."""
    criteria = draw(criteria_lists())
    tracks = draw(st.integers(1, 3))
    app_ids = draw(st.lists(st.integers(1, 999), min_size=1, max_size=25, unique=True))
    applications = [
        ApplicationSpec(
            id=app_id,
            track_id=draw(TRACKS[tracks]),
            first_submitted_at=draw(SUBMITTED),
            flags=frozenset(draw(FLAG_SETS)),
        )
        for app_id in app_ids
    ]
    evaluators = draw(st.integers(1, 8))
    partial = draw(st.booleans())  # whether a review may leave some criteria unscored
    # Hundreds of score values per round: drawn from one seeded Random, which keeps generation fast.
    rng = draw(st.randoms(use_true_random=False))
    scores, review_id = [], 0
    for application in applications:
        reviewers = draw(REVIEWERS[evaluators])
        for evaluator in reviewers:
            review_id += 1
            scored = rng.sample(criteria, rng.randint(1, len(criteria))) if partial else criteria
            for criterion in scored:
                halves = rng.randint(0, int(criterion.max_score) * 2)  # multiples of 0.5 within 0..max
                scores.append((review_id, application.id, evaluator, criterion.id, halves / 2))

    rule = draw(st.sampled_from(rules))
    carry_over, earlier = (), {}
    if draw(st.booleans()):
        this_weight = D(draw(st.integers(1, 9))) / 10
        carry_over = (
            CarryOver(source_round_id=EARLIER_ROUND, source_round_order=1, weight=1 - this_weight),
            CarryOver(source_round_id=THIS_ROUND, source_round_order=2, weight=this_weight),
        )
        for application in applications:
            if draw(ONE_IN_TEN) != 0:  # one in ten has no earlier score
                earlier[(EARLIER_ROUND, application.id)] = draw(EARLIER_SCORES)
    round_spec = RoundSpec(
        id=THIS_ROUND,
        aggregation=draw(st.sampled_from((MEAN, TRIMMED, ZSCORE))),
        advancement_rule=rule,
        advancement_scope=draw(st.sampled_from((OVERALL, PER_TRACK))),
        advance_count=draw(st.integers(1, 10)) if rule != CUTOFF else draw(st.none() | st.integers(1, 10)),
        cutoff_score=D(draw(st.integers(0, 200))) / 2 if rule != TOP_N else None,
        bonus_cap=D(draw(st.integers(0, 10))),
        bonus_points={flag: D(draw(st.integers(0, 8))) / 2 for flag in draw(st.sets(st.sampled_from(FLAGS)))},
        carry_over=carry_over,
    )
    return {
        "round_spec": round_spec,
        "criteria": criteria,
        "applications": applications,
        "scores": scores,
        "earlier_round_scores": earlier,
    }


@st.composite
def assignment_cases(draw, max_apps=30, max_evaluators=12, max_k=4, min_evaluators=1):
    """The keyword arguments of `assign` (and `check_plan`) for a fresh round, seed included."""
    applications = {f"a{i}": frozenset(draw(SECTORS)) for i in range(draw(st.integers(1, max_apps)))}
    evaluators = {f"e{j}": frozenset(draw(EXPERTISE)) for j in range(draw(st.integers(min_evaluators, max_evaluators)))}
    rate = draw(st.sampled_from([0.0, 0.05, 0.15, 0.3, 0.5]))
    rng = draw(st.randoms(use_true_random=False))
    forbidden = {(e, a) for a in sorted(applications) for e in sorted(evaluators) if rng.random() < rate}
    return {
        "applications": applications,
        "evaluators": evaluators,
        "k": draw(st.integers(1, max_k)),
        "forbidden": forbidden,
        "seed": draw(st.integers(0, 2**16)),
    }


@st.composite
def assignment_cases_with_history(draw):
    """A round already partly assigned: some applications keep evaluators, evaluators carry loads."""
    case = draw(assignment_cases())
    pool = sorted(case["evaluators"])
    existing = {}
    for app in case["applications"]:
        allowed = [e for e in pool if (e, app) not in case["forbidden"]]
        if allowed and draw(st.booleans()):
            existing[app] = set(draw(st.lists(st.sampled_from(allowed), max_size=case["k"], unique=True)))
    loads = Counter(e for evaluators in existing.values() for e in evaluators)
    for e in pool:
        loads[e] += draw(st.integers(0, 2))  # work in other rounds or recused pairs
    return {**case, "existing": existing, "loads": dict(loads)}


def without_seed(case):
    return {key: value for key, value in case.items() if key != "seed"}


def as_rows(computation):
    return [
        (
            r.application_id,
            r.review_count,
            r.mean,
            r.trimmed_mean,
            r.zscore,
            r.aggregate,
            r.bonus,
            r.round_score,
            r.final_score,
            r.rank,
            r.failed,
            r.fail_reasons,
            r.advanced,
        )
        for r in computation.results
    ]


def eligible(result, round_spec):
    """Could this result advance at all under the round's cut-off (ignoring N)?"""
    if result.failed or result.final_score is None:
        return False
    return round_spec.advancement_rule == TOP_N or result.compare_value >= round_spec.cutoff_score


def group_of(result, round_spec, tracks):
    return tracks[result.application_id] if round_spec.advancement_scope == PER_TRACK else None


# --------------------------------------------------------------------------------------------
# Scoring


@THOROUGH
@given(rounds())
def test_ranks_are_exactly_one_to_n_and_every_application_appears_once(case):
    computation = compute_round(**case)
    assert sorted(r.rank for r in computation.results) == list(range(1, len(case["applications"]) + 1))
    assert [r.rank for r in computation.results] == list(range(1, len(computation.results) + 1))
    assert sorted(r.application_id for r in computation.results) == sorted(a.id for a in case["applications"])


@FAST
@given(rounds())
def test_higher_finals_rank_first_and_unscored_applications_rank_last(case):
    finals = [r.compare_value for r in compute_round(**case).results]
    scored = [f for f in finals if f is not None]
    assert finals[: len(scored)] == scored  # every None comes after every score
    assert scored == sorted(scored, reverse=True)


@FAST
@given(rounds())
def test_a_failed_application_is_exactly_one_with_a_reason_and_never_advances(case):
    for result in compute_round(**case).results:
        assert result.failed == bool(result.fail_reasons)
        if result.final_score is None:
            assert result.failed
        if result.failed:
            assert not result.advanced


@THOROUGH
@given(rounds(rules=(TOP_N, TOP_N_CUTOFF)))
def test_top_n_never_advances_more_than_n_overall_or_per_track(case):
    round_spec = case["round_spec"]
    tracks = {a.id: a.track_id for a in case["applications"]}
    advanced = Counter(group_of(r, round_spec, tracks) for r in compute_round(**case).results if r.advanced)
    assert all(count <= round_spec.advance_count for count in advanced.values())
    if round_spec.advancement_scope == OVERALL:
        assert sum(advanced.values()) <= round_spec.advance_count


@FAST
@given(rounds(rules=(CUTOFF, TOP_N_CUTOFF)))
def test_cutoff_rules_advance_only_finals_at_or_above_the_cutoff(case):
    cutoff = case["round_spec"].cutoff_score
    for result in compute_round(**case).results:
        if result.advanced:
            assert result.final_score is not None and result.compare_value >= cutoff


@THOROUGH
@given(rounds())
def test_the_advanced_are_the_best_eligible_applications_up_to_n_in_each_group(case):
    round_spec = case["round_spec"]
    tracks = {a.id: a.track_id for a in case["applications"]}
    results = compute_round(**case).results
    by_group = defaultdict(list)
    for result in results:
        if eligible(result, round_spec):
            by_group[group_of(result, round_spec, tracks)].append(result)
    expected = set()
    for candidates in by_group.values():  # already in rank order
        quota = len(candidates) if round_spec.advancement_rule == CUTOFF else round_spec.advance_count
        expected |= {r.application_id for r in candidates[:quota]}
    assert {r.application_id for r in results if r.advanced} == expected


@FAST
@given(rounds())
def test_computing_the_same_round_twice_gives_the_same_results_and_fingerprint(case):
    first, second = compute_round(**case), compute_round(**case)
    assert as_rows(first) == as_rows(second)
    assert first.fingerprint == second.fingerprint


@THOROUGH
@given(rounds(), st.randoms(use_true_random=False))
def test_shuffling_the_order_of_the_inputs_changes_neither_the_results_nor_the_fingerprint(case, rng):
    shuffled = {**case}
    for key in ("criteria", "applications", "scores"):
        shuffled[key] = rng.sample(case[key], len(case[key]))
    shuffled["earlier_round_scores"] = dict(
        rng.sample(list(case["earlier_round_scores"].items()), len(case["earlier_round_scores"]))
    )
    original, again = compute_round(**case), compute_round(**shuffled)
    assert as_rows(again) == as_rows(original)
    assert again.fingerprint == original.fingerprint


# --------------------------------------------------------------------------------------------
# Assignment


@THOROUGH
@given(assignment_cases())
def test_a_plan_for_a_fresh_round_gives_k_distinct_unconflicted_evaluators_with_loads_within_one(case):
    plan = assign(**case)
    if not plan.ok:
        return
    per_app = defaultdict(list)
    for app, evaluator in plan.pairs:
        per_app[app].append(evaluator)
    assert set(per_app) == set(case["applications"])
    assert all(len(evaluators) == case["k"] == len(set(evaluators)) for evaluators in per_app.values())
    assert not {(e, a) for a, e in plan.pairs} & case["forbidden"]
    loads = Counter(e for _, e in plan.pairs)
    final = [loads.get(e, 0) for e in case["evaluators"]]
    assert max(final) - min(final) <= 1
    assert plan.loads == {e: loads.get(e, 0) for e in case["evaluators"]}
    assert plan.strictly_balanced
    assert check_plan(plan, **without_seed(case)) == []


@THOROUGH
@given(assignment_cases())
def test_a_refusal_assigns_nothing_and_says_which_application_or_evaluator_is_the_obstacle(case):
    plan = assign(**case)
    if plan.ok:
        return
    assert plan.pairs == []
    assert plan.problems
    for problem in plan.problems:
        assert problem.reason
        if problem.application is None:
            # A round-wide problem: an evaluator who cannot reach its share, named in the reason.
            assert any(f"evaluator {e} " in problem.reason for e in case["evaluators"])
        else:
            assert problem.application in case["applications"]
        if problem.reason.startswith("only "):
            allowed = [e for e in case["evaluators"] if (e, problem.application) not in case["forbidden"]]
            assert len(allowed) < case["k"]


@FAST
@given(assignment_cases(), st.randoms(use_true_random=False))
def test_the_same_seed_gives_the_same_plan_whatever_the_order_of_the_pool(case, rng):
    plan = assign(**case)
    reordered = {**case, "evaluators": dict(rng.sample(list(case["evaluators"].items()), len(case["evaluators"])))}
    for again in (assign(**case), assign(**reordered)):
        assert again.pairs == plan.pairs
        assert again.problems == plan.problems
        assert again.loads == plan.loads


@FAST
@given(assignment_cases(), st.randoms(use_true_random=False))
def test_a_shuffled_application_order_finds_a_valid_plan_exactly_when_the_original_does(case, rng):
    shuffled = {**case, "applications": dict(rng.sample(list(case["applications"].items()), len(case["applications"])))}
    plan, other = assign(**case), assign(**shuffled)
    assert plan.ok == other.ok
    if other.ok:
        assert check_plan(other, **without_seed(shuffled)) == []


def balanced_plan_exists(case) -> bool:
    """Exhaustive search: k unconflicted evaluators per application, every load within one of the others."""
    pool, k = sorted(case["evaluators"]), case["k"]
    options = [
        [combo for combo in itertools.combinations(pool, k) if not any((e, a) in case["forbidden"] for e in combo)]
        for a in case["applications"]
    ]
    for choice in itertools.product(*options):
        loads = Counter(e for combo in choice for e in combo)
        counts = [loads.get(e, 0) for e in pool]
        if max(counts) - min(counts) <= 1:
            return True
    return False


@FAST
@given(assignment_cases(max_apps=4, max_evaluators=4, max_k=2, min_evaluators=2))
def test_on_tiny_rounds_a_plan_is_found_exactly_when_a_balanced_one_exists(case):
    assert assign(**case).ok == balanced_plan_exists(case)


@THOROUGH
@given(assignment_cases_with_history())
def test_with_existing_assignments_only_missing_slots_are_filled_and_check_plan_agrees(case):
    plan = assign(**case)
    if not plan.ok:
        assert plan.pairs == []
        return
    existing = case["existing"]
    for app, evaluator in plan.pairs:
        assert (evaluator, app) not in case["forbidden"]
        assert evaluator not in existing.get(app, set())
    added = Counter(app for app, _ in plan.pairs)
    for app in case["applications"]:
        assert len(existing.get(app, set())) + added.get(app, 0) == case["k"]
    assert check_plan(plan, **without_seed(case)) == []


# --------------------------------------------------------------------------------------------
# Totals equal on paper must be equal: z = 0 for an evaluator whose σ_e is 0.

EQUAL_HALVES = (
    CriterionSpec(id=1, code="idea", weight=D("1"), max_score=D("10"), order=1),
    CriterionSpec(id=2, code="team", weight=D("1"), max_score=D("10"), order=2),
)


def test_an_evaluator_whose_reviews_total_the_same_contributes_z_zero_whatever_the_float_rounding():
    # Evaluator 7 gives (1, 2) and (3, 0): both totals are 15 on paper (15.000000000000002 and 15.0 in
    # floats), so σ_e = 0 and both z are 0; evaluator 8 has one review (z = 0). Every application's
    # z-score aggregate is then μ_R = (15 + 15 + 100) / 3 = 43.3333.
    scores = [
        (1, 1, 7, 1, 1.0),
        (1, 1, 7, 2, 2.0),
        (2, 2, 7, 1, 3.0),
        (2, 2, 7, 2, 0.0),
        (3, 3, 8, 1, 10.0),
        (3, 3, 8, 2, 10.0),
    ]
    applications = [ApplicationSpec(id=a, first_submitted_at=T0) for a in (1, 2, 3)]
    computation = compute_round(
        RoundSpec(id=1, aggregation=ZSCORE, advance_count=1), EQUAL_HALVES, applications, scores
    )
    assert {r.application_id: q4(r.zscore) for r in computation.results} == {
        1: D("43.3333"),
        2: D("43.3333"),
        3: D("43.3333"),
    }


@st.composite
def rounds_with_scores_moved_between_interchangeable_criteria(draw):
    """A round whose criteria all weigh the same and share one maximum, and the same round with each
    review's scores permuted among its criteria: every review total is the same on paper."""
    case = draw(rounds())
    criteria = [replace(c, weight=D("1"), max_score=D("10"), fail_threshold=None) for c in case["criteria"]]
    rng = draw(st.randoms(use_true_random=False))
    scores = [(r, a, e, c, rng.randint(0, 20) / 2) for r, a, e, c, _ in case["scores"]]
    rows_of = defaultdict(list)
    for row in scores:
        rows_of[row[0]].append(row)
    moved = []
    for rows in rows_of.values():
        values = rng.sample([row[4] for row in rows], len(rows))
        moved += [(*row[:4], value) for row, value in zip(rows, values, strict=True)]
    original = {**case, "criteria": criteria, "scores": scores, "earlier_round_scores": {}}
    original["round_spec"] = replace(case["round_spec"], carry_over=())
    return original, {**original, "scores": moved}


# Evaluator 7 scores (1, 2, 3) on applications 1 and 2 (equal totals, so σ_e = 0 and z = 0), evaluator 8
# scores (10, 10, 10) once. Moving application 2's scores to (2, 3, 1) keeps its total at 20 on paper
# but makes it 1 ulp smaller in floats: σ_e becomes ≈ 1e-15 and application 1's z-score aggregate
# jumps from 46.6667 to 100.0000 (rank 1, ahead of the application scored 10/10/10).
EQUAL_THIRDS = [CriterionSpec(id=i, code=f"c{i}", weight=D("1"), max_score=D("10"), order=i) for i in (1, 2, 3)]


def three_reviews(second):
    rows = [(1, 1, 7, (1, 2, 3)), (2, 2, 7, second), (3, 3, 8, (10, 10, 10))]
    return [(r, a, e, c, float(v)) for r, a, e, values in rows for c, v in zip((1, 2, 3), values, strict=True)]


EVALUATOR_WITH_EQUAL_TOTALS = {
    "round_spec": RoundSpec(id=1, aggregation=ZSCORE, advance_count=1),
    "criteria": EQUAL_THIRDS,
    "applications": [ApplicationSpec(id=a, first_submitted_at=T0) for a in (1, 2, 3)],
    "scores": three_reviews((1, 2, 3)),
    "earlier_round_scores": {},
}


@FAST
@given(rounds_with_scores_moved_between_interchangeable_criteria())
@example((EVALUATOR_WITH_EQUAL_TOTALS, {**EVALUATOR_WITH_EQUAL_TOTALS, "scores": three_reviews((2, 3, 1))}))
def test_moving_scores_between_criteria_of_equal_weight_and_maximum_changes_no_aggregate(pair):
    def aggregates(case):
        return {r.application_id: (r.mean, r.trimmed_mean, r.zscore) for r in compute_round(**case).results}

    original, moved = pair
    assert aggregates(moved) == aggregates(original)
