"""The assignment algorithm over plain data: no database."""

import itertools
import random
from collections import Counter

from matching.assignment import PUBLIC_EMAIL_DOMAINS, assign, check_plan, detect_conflicts


def instance(rng: random.Random, *, apps: int, evaluators: int, k: int, conflict_rate: float = 0.0, tags: int = 6):
    applications = {f"a{i}": set(rng.sample(range(tags), rng.randint(0, 2))) for i in range(apps)}
    pool = {f"e{j}": set(rng.sample(range(tags), rng.randint(0, 2))) for j in range(evaluators)}
    forbidden = {(e, a) for a in applications for e in pool if rng.random() < conflict_rate}
    return {"applications": applications, "evaluators": pool, "k": k, "forbidden": forbidden}


def per_application(plan):
    found = {}
    for app, evaluator in plan.pairs:
        found.setdefault(app, []).append(evaluator)
    return found


def test_every_application_gets_exactly_k_distinct_evaluators():
    case = instance(random.Random(1), apps=40, evaluators=9, k=3)
    plan = assign(**case, seed=7)
    assert plan.ok
    found = per_application(plan)
    assert set(found) == set(case["applications"])
    assert all(len(es) == 3 and len(set(es)) == 3 for es in found.values())
    assert check_plan(plan, **case) == []


def test_a_conflicted_pair_is_never_made():
    applications = {"a1": set(), "a2": set(), "a3": set()}
    pool = {"e1": set(), "e2": set(), "e3": set(), "e4": set()}
    forbidden = {("e1", "a1"), ("e2", "a2"), ("e3", "a3")}
    plan = assign(applications=applications, evaluators=pool, k=3, forbidden=forbidden, seed=0)
    assert plan.ok
    assert not {(e, a) for a, e in plan.pairs} & forbidden
    assert sorted(per_application(plan)["a1"]) == ["e2", "e3", "e4"]


def test_loads_end_within_one_of_each_other():
    case = instance(random.Random(2), apps=101, evaluators=13, k=3, conflict_rate=0.1)
    plan = assign(**case, seed=3)
    assert plan.ok and plan.strictly_balanced
    # 303 slots over 13 evaluators: 23 or 24 each.
    assert set(plan.loads.values()) <= {23, 24}
    assert sum(plan.loads.values()) == 303


def test_overlap_is_preferred_when_it_costs_no_balance():
    # Two evaluators know AI, two know biotech; each application clearly belongs to one of them.
    applications = {"ai-1": {"ai"}, "ai-2": {"ai"}, "bio-1": {"bio"}, "bio-2": {"bio"}}
    pool = {"ai-x": {"ai"}, "ai-y": {"ai"}, "bio-x": {"bio"}, "bio-y": {"bio"}}
    for seed in range(20):
        plan = assign(applications=applications, evaluators=pool, k=2, seed=seed)
        assert plan.ok
        found = per_application(plan)
        assert sorted(found["ai-1"]) == sorted(found["ai-2"]) == ["ai-x", "ai-y"]
        assert sorted(found["bio-1"]) == ["bio-x", "bio-y"]
        assert plan.overlap_share == 1.0


def test_overlap_never_beats_balance():
    # Everyone is an AI application and only one evaluator knows AI: she still gets her share only.
    applications = {f"a{i}": {"ai"} for i in range(6)}
    pool = {"expert": {"ai"}, "b": set(), "c": set()}
    plan = assign(applications=applications, evaluators=pool, k=1, seed=0)
    assert plan.ok
    assert plan.loads == {"expert": 2, "b": 2, "c": 2}


def test_the_same_seed_gives_the_same_plan_and_other_seeds_stay_valid():
    case = instance(random.Random(3), apps=60, evaluators=10, k=3, conflict_rate=0.05)
    first = assign(**case, seed=11)
    assert assign(**case, seed=11).pairs == first.pairs
    plans = [assign(**case, seed=seed) for seed in range(6)]
    assert all(check_plan(plan, **case) == [] for plan in plans)
    assert len({tuple(plan.pairs) for plan in plans}) > 1


def test_too_few_unconflicted_evaluators_is_reported_and_nothing_is_assigned():
    applications = {"ok": set(), "blocked": set(), "also-ok": set()}
    pool = {"e1": set(), "e2": set(), "e3": set()}
    plan = assign(applications=applications, evaluators=pool, k=3, forbidden={("e1", "blocked")}, seed=0)
    assert not plan.ok
    assert plan.pairs == []
    assert [(p.application, p.reason) for p in plan.problems] == [("blocked", "only 2 unconflicted evaluators for k=3")]


def test_a_pool_smaller_than_k_names_every_application():
    plan = assign(applications={"a": set(), "b": set()}, evaluators={"e1": set()}, k=2, seed=0)
    assert [p.application for p in plan.problems] == ["a", "b"]
    assert plan.problems[0].reason == "only 1 unconflicted evaluator for k=2"


def test_balance_that_cannot_be_reached_is_reported():
    # e3 may review nothing, so it cannot end within one of the others.
    applications = {"a1": set(), "a2": set(), "a3": set()}
    pool = {"e1": set(), "e2": set(), "e3": set()}
    forbidden = {("e3", a) for a in applications}
    plan = assign(applications=applications, evaluators=pool, k=1, forbidden=forbidden, seed=0)
    assert not plan.ok and plan.pairs == []
    assert "balanced loads impossible" in plan.problems[0].reason
    assert plan.problems[0].application in applications


def test_an_evaluator_who_cannot_reach_the_lower_bound_is_named():
    # Four applications, one evaluator each, three evaluators: 1 or 2 each; e3 may review none.
    applications = {f"a{i}": set() for i in range(1, 5)}
    pool = {"e1": set(), "e2": set(), "e3": set()}
    forbidden = {("e3", a) for a in applications}
    plan = assign(applications=applications, evaluators=pool, k=1, forbidden=forbidden, seed=0)
    assert not plan.ok and plan.pairs == []
    assert [(p.application, p.reason) for p in plan.problems] == [
        (None, "balanced loads impossible: evaluator e3 can take only 0 applications, 1 needed")
    ]


def test_existing_loads_are_respected():
    pool = {"busy": set(), "free-1": set(), "free-2": set()}
    plan = assign(applications={"a1": set(), "a2": set()}, evaluators=pool, k=1, loads={"busy": 2}, seed=0)
    assert plan.ok and plan.strictly_balanced
    assert plan.loads == {"busy": 2, "free-1": 1, "free-2": 1}


def test_existing_assignments_count_toward_k_and_only_missing_slots_are_filled():
    pool = {"e1": set(), "e2": set(), "e3": set(), "e4": set()}
    existing = {"a1": {"e1", "e2", "e3"}, "a2": {"e1", "e2"}}
    loads = {"e1": 2, "e2": 2, "e3": 1}
    plan = assign(applications={"a1": set(), "a2": set()}, evaluators=pool, k=3, loads=loads, existing=existing)
    assert plan.pairs == [("a2", "e4")]
    again = assign(
        applications={"a1": set(), "a2": set()},
        evaluators=pool,
        k=3,
        loads={**loads, "e4": 1},
        existing={**existing, "a2": {"e1", "e2", "e4"}},
    )
    assert again.ok and again.pairs == []


def test_a_recusal_on_a_balanced_round_is_filled_with_the_least_loaded_other_evaluator():
    # Four evaluators with 3 each; e1 recused from a1, so a1 needs one more and e1 may not take it.
    pool = {"e1": set(), "e2": set(), "e3": set(), "e4": set()}
    applications = {f"a{i}": set() for i in range(1, 5)}
    existing = {"a1": {"e2", "e3"}, "a2": {"e1", "e2", "e3"}, "a3": {"e1", "e2", "e4"}, "a4": {"e1", "e3", "e4"}}
    loads = {"e1": 3, "e2": 3, "e3": 3, "e4": 2}
    plan = assign(
        applications=applications, evaluators=pool, k=3, loads=loads, existing=existing, forbidden={("e1", "a1")}
    )
    assert plan.ok and plan.strictly_balanced
    assert plan.pairs == [("a1", "e4")]
    # On a round already balanced at 3 each, e4 recuses from a1: only e4 has room, and may not take it.
    existing = {"a1": {"e2", "e3"}, "a2": {"e1", "e2", "e3"}, "a3": {"e1", "e2", "e4"}, "a4": {"e1", "e3", "e4"}}
    plan = assign(
        applications=applications,
        evaluators=pool,
        k=3,
        loads={"e1": 3, "e2": 3, "e3": 3, "e4": 2},
        existing=existing,
        forbidden={("e4", "a1")},
    )
    assert plan.ok and not plan.strictly_balanced
    assert plan.pairs == [("a1", "e1")]
    assert plan.loads == {"e1": 4, "e2": 3, "e3": 3, "e4": 2}


def test_invariants_hold_on_hundreds_of_random_small_instances():
    rng = random.Random(20261128)
    served = failed = 0
    for _ in range(300):
        case = instance(
            rng,
            apps=rng.randint(1, 25),
            evaluators=rng.randint(1, 9),
            k=rng.randint(1, 4),
            conflict_rate=rng.choice([0.0, 0.05, 0.2, 0.4]),
        )
        seed = rng.randint(0, 1000)
        plan = assign(**case, seed=seed)
        if plan.ok:
            served += 1
            assert plan.strictly_balanced
            assert check_plan(plan, **case) == [], case
            assert assign(**case, seed=seed).pairs == plan.pairs
        else:
            failed += 1
            assert plan.pairs == []
            assert all(p.reason for p in plan.problems)
            # A named application really lacks unconflicted evaluators, or balance is impossible.
            for problem in plan.problems:
                if problem.reason.startswith("only"):
                    allowed = [e for e in case["evaluators"] if (e, problem.application) not in case["forbidden"]]
                    assert len(allowed) < case["k"]
    assert served > 100 and failed > 10


def test_conflicts_are_detected_from_membership_and_private_mail_domains():
    evaluators = {1: (10, "kim@acme.co.kr"), 2: (20, "lee@gmail.com"), 3: (30, "park@other.org")}
    members = [
        ("s1", 10, "kim@acme.co.kr"),  # the evaluator herself
        ("s2", 11, "choi@ACME.co.kr"),  # a colleague
        ("s3", 21, "han@gmail.com"),  # a public mail service says nothing
    ]
    assert detect_conflicts(evaluators=evaluators, members=members) == {
        (1, "s1"): "member",
        (1, "s2"): "email_domain",
    }
    assert {"gmail.com", "naver.com", "daum.net", "hanmail.net", "kakao.com"} <= PUBLIC_EMAIL_DOMAINS


def balanced_solution_exists(case) -> bool:
    """Exhaustive search over tiny instances: some choice of k evaluators per application, no
    forbidden pair, loads within one of each other."""
    applications, pool, k = list(case["applications"]), list(case["evaluators"]), case["k"]
    options = [
        [combo for combo in itertools.combinations(pool, k) if not any((e, a) in case["forbidden"] for e in combo)]
        for a in applications
    ]
    for choice in itertools.product(*options):
        loads = Counter(e for combo in choice for e in combo)
        counts = [loads.get(e, 0) for e in pool]
        if max(counts) - min(counts) <= 1:
            return True
    return False


def test_a_plan_is_found_exactly_when_one_exists_on_tiny_instances():
    rng = random.Random(7)
    for _ in range(150):
        case = instance(
            rng, apps=rng.randint(1, 4), evaluators=rng.randint(2, 4), k=rng.randint(1, 2), conflict_rate=0.3
        )
        plan = assign(**case, seed=rng.randint(0, 99))
        assert plan.ok == balanced_solution_exists(case), case


def test_an_evaluator_who_left_the_pool_still_counts_toward_k_where_already_assigned():
    pool = {"e1": set(), "e2": set(), "e3": set()}
    plan = assign(applications={"a1": set()}, evaluators=pool, k=2, existing={"a1": {"gone"}}, seed=0)
    assert plan.ok and len(plan.pairs) == 1
