"""Stable matching over plain data (`matching.stable`): no database.

Hand-written cases pin the reasons and the errors; property tests on random instances (up to 8
startups and 4 partners; 5 × 3 where every possible assignment is enumerated) check what DESIGN.md
promises: stable, startup-optimal, only acceptable pairs, seats and pins respected, the same result
whatever order the inputs come in.
"""

import itertools
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.stable import MatchResult, blocking_pairs, stable_match

# No example database, so every run starts fresh.
FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# --------------------------------------------------------------------------------------------
# Random instances


@st.composite
def instances(draw, *, max_startups=8, max_partners=4, max_capacity=3, with_forbidden=True, string_ids=None):
    """startup_prefs, partner_prefs, capacities, forbidden: random subsets in random orders."""
    if string_ids is None:
        string_ids = draw(st.booleans())
    startups = [f"s{i}" if string_ids else i for i in range(draw(st.integers(0, max_startups)))]
    partners = [f"p{j}" if string_ids else 100 + j for j in range(draw(st.integers(0, max_partners)))]
    startup_prefs = {s: draw(st.permutations(partners).flatmap(_prefix)) for s in startups}
    partner_prefs = {p: draw(st.permutations(startups).flatmap(_prefix)) for p in partners}
    # Some partners have no capacity entry at all: they have no seats.
    capacities = {p: draw(st.integers(0, max_capacity)) for p in partners if draw(st.integers(0, 5))}
    pairs = [(s, p) for s in startups for p in partners]
    forbidden = draw(st.sets(st.sampled_from(pairs), max_size=4)) if with_forbidden and pairs else set()
    return startup_prefs, partner_prefs, capacities, forbidden


def _prefix(order):
    return st.integers(0, len(order)).map(lambda n: list(order[:n]))


def acceptable(startup_prefs, partner_prefs, forbidden, startup, partner):
    return (
        partner in startup_prefs[startup]
        and startup in partner_prefs.get(partner, ())
        and (startup, partner) not in set(forbidden)
    )


def is_stable(startup_prefs, partner_prefs, capacities, forbidden, assignment):
    """Blocking pairs, checked the slow and obvious way (independently of `blocking_pairs`)."""
    for startup, prefs in startup_prefs.items():
        for partner in prefs:
            if not acceptable(startup_prefs, partner_prefs, forbidden, startup, partner):
                continue
            current = assignment.get(startup)
            if current is not None and prefs.index(current) < prefs.index(partner):
                continue
            if current == partner:
                continue
            holders = [s for s, p in assignment.items() if p == partner]
            if len(holders) < capacities.get(partner, 0):
                return False
            ranks = partner_prefs[partner]
            if any(ranks.index(startup) < ranks.index(holder) for holder in holders):
                return False
    return True


def all_stable_matchings(startup_prefs, partner_prefs, capacities, forbidden):
    """Every assignment of startups to acceptable partners within capacities that has no blocking pair."""
    startups = list(startup_prefs)
    options = [
        [None] + [p for p in startup_prefs[s] if acceptable(startup_prefs, partner_prefs, forbidden, s, p)]
        for s in startups
    ]
    found = []
    for choice in itertools.product(*options):
        assignment = {s: p for s, p in zip(startups, choice, strict=True) if p is not None}
        loads = {}
        for p in assignment.values():
            loads[p] = loads.get(p, 0) + 1
        if any(load > capacities.get(p, 0) for p, load in loads.items()):
            continue
        if is_stable(startup_prefs, partner_prefs, capacities, forbidden, assignment):
            found.append(assignment)
    return found


def reordered(mapping, rng):
    keys = list(mapping)
    rng.shuffle(keys)
    return {key: mapping[key] for key in keys}


# --------------------------------------------------------------------------------------------
# Hand-written cases


def test_each_startup_gets_its_first_choice_when_seats_allow():
    result = stable_match({"a": ["X", "Y"], "b": ["Y", "X"]}, {"X": ["b", "a"], "Y": ["a", "b"]}, {"X": 1, "Y": 1})
    assert result.assignment == {"a": "X", "b": "Y"}
    assert result.unmatched == {}
    assert result.seats == {"X": (1, 1), "Y": (1, 1)}


def test_a_partner_keeps_the_startups_it_prefers_when_its_seats_run_out():
    startup_prefs = {"a": ["X"], "b": ["X"], "c": ["X"]}
    partner_prefs = {"X": ["c", "a", "b"]}
    result = stable_match(startup_prefs, partner_prefs, {"X": 2})
    assert result.assignment == {"a": "X", "c": "X"}
    assert result.unmatched == {"b": {"code": "seats_filled_by_preferred", "partners": ["X"], "no_seats": []}}
    assert result.seats == {"X": (2, 2)}


def test_the_startup_optimal_matching_is_chosen_over_the_partner_optimal_one():
    # Two stable matchings: a–X, b–Y (startups' first choices) and a–Y, b–X (partners' first choices).
    startup_prefs = {"a": ["X", "Y"], "b": ["Y", "X"]}
    partner_prefs = {"X": ["b", "a"], "Y": ["a", "b"]}
    assert stable_match(startup_prefs, partner_prefs, {"X": 1, "Y": 1}).assignment == {"a": "X", "b": "Y"}


def test_a_displaced_startup_moves_on_to_its_next_choice():
    startup_prefs = {"a": ["X", "Y"], "b": ["X", "Y"]}
    partner_prefs = {"X": ["b", "a"], "Y": ["a", "b"]}
    assert stable_match(startup_prefs, partner_prefs, {"X": 1, "Y": 1}).assignment == {"a": "Y", "b": "X"}


def test_a_startup_that_listed_no_partner_is_unmatched_with_no_acceptable_partner():
    result = stable_match({"a": []}, {"X": ["a"]}, {"X": 1})
    assert result.unmatched == {"a": {"code": "no_acceptable_partner", "partners": [], "forbidden": []}}


def test_a_startup_no_listed_partner_ranks_names_them_in_its_reason():
    result = stable_match({"a": ["Y", "X", "Z"]}, {"X": ["b"], "Y": []}, {"X": 1, "Y": 1, "Z": 1})
    assert result.unmatched == {
        "a": {"code": "no_acceptable_partner", "partners": ["Y", "X", "Z"], "forbidden": []},
    }


def test_a_forbidden_pair_is_never_matched_and_the_reason_names_it():
    result = stable_match({"a": ["X", "Y"]}, {"X": ["a"]}, {"X": 1, "Y": 1}, forbidden=[("a", "X")])
    assert result.assignment == {}
    assert result.unmatched == {"a": {"code": "no_acceptable_partner", "partners": ["Y"], "forbidden": ["X"]}}


def test_the_reason_lists_the_full_partners_in_the_startups_order():
    startup_prefs = {"a": ["Y", "X"], "b": ["X", "Y"], "c": ["Y", "X"], "d": ["Z", "Y"]}
    partner_prefs = {"X": ["b", "d", "a"], "Y": ["c", "a"], "Z": ["d"]}
    result = stable_match(startup_prefs, partner_prefs, {"X": 1, "Y": 1, "Z": 0})
    assert result.assignment == {"b": "X", "c": "Y"}
    assert result.unmatched == {
        "a": {"code": "seats_filled_by_preferred", "partners": ["Y", "X"], "no_seats": []},
        "d": {"code": "no_seats", "partners": ["Z"]},
    }


def test_a_partner_without_seats_shows_in_the_reason_beside_the_full_ones():
    result = stable_match({"a": ["Z", "X"], "b": ["X"]}, {"X": ["b", "a"], "Z": ["a"]}, {"X": 1})
    assert result.assignment == {"b": "X"}
    assert result.unmatched == {"a": {"code": "seats_filled_by_preferred", "partners": ["X"], "no_seats": ["Z"]}}
    assert result.seats == {"X": (1, 1), "Z": (0, 0)}


def test_a_pin_takes_a_seat_whatever_the_preferences():
    startup_prefs = {"a": ["X"], "b": ["X"], "c": ["Y"]}
    partner_prefs = {"X": ["a", "b"], "Y": []}
    result = stable_match(startup_prefs, partner_prefs, {"X": 1, "Y": 1}, pinned=[("b", "X")])
    assert result.assignment == {"b": "X"}
    assert result.unmatched["a"] == {"code": "no_seats", "partners": ["X"]}
    assert result.unmatched["c"] == {"code": "no_acceptable_partner", "partners": ["Y"], "forbidden": []}


def test_a_pin_of_a_pair_neither_side_listed_is_honoured():
    result = stable_match({"a": []}, {"X": []}, {"X": 1}, pinned=[("a", "X")])
    assert result.assignment == {"a": "X"}
    assert result.unmatched == {}


def test_the_same_pin_given_twice_counts_once():
    result = stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": 1}, pinned=[("a", "X"), ("a", "X")])
    assert result.assignment == {"a": "X"}


def test_a_pin_beyond_the_partners_seats_is_refused():
    with pytest.raises(ValueError, match=r"Partner 'X' has 1 seat\(s\) but 2 startups are pinned to it \('a', 'b'\)"):
        stable_match({"a": [], "b": []}, {"X": []}, {"X": 1}, pinned=[("a", "X"), ("b", "X")])


def test_a_pin_to_a_partner_without_seats_is_refused():
    with pytest.raises(ValueError, match=r"Partner 'X' has 0 seat\(s\) but 1 startups are pinned"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {}, pinned=[("a", "X")])


def test_two_pins_for_one_startup_are_refused():
    with pytest.raises(ValueError, match="Startup 'a' is pinned to two partners \\('X' and 'Y'\\)"):
        stable_match({"a": []}, {}, {"X": 1, "Y": 1}, pinned=[("a", "Y"), ("a", "X")])


def test_a_pair_both_pinned_and_forbidden_is_refused():
    with pytest.raises(ValueError, match="The pair startup 'a' – partner 'X' is both pinned and forbidden"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": 1}, pinned=[("a", "X")], forbidden=[("a", "X")])


def test_a_pin_for_a_startup_not_being_matched_is_refused():
    with pytest.raises(ValueError, match="Startup 'z' is pinned to partner 'X' but is not being matched"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": 1}, pinned=[("z", "X")])


def test_a_negative_capacity_is_refused():
    with pytest.raises(ValueError, match="Partner 'X' has a negative number of seats"):
        stable_match({"a": ["X"]}, {"X": ["a"]}, {"X": -1})


def test_a_partner_listed_twice_counts_at_its_first_place():
    result = stable_match({"a": ["X", "Y", "X"]}, {"X": [], "Y": []}, {"X": 1, "Y": 1})
    assert result.unmatched["a"] == {"code": "no_acceptable_partner", "partners": ["X", "Y"], "forbidden": []}


def test_the_result_is_frozen():
    result = stable_match({}, {}, {})
    assert result == MatchResult(assignment={}, unmatched={}, seats={})
    with pytest.raises(AttributeError):
        result.assignment = {}


def test_an_empty_seat_an_acceptable_startup_wants_is_a_blocking_pair():
    pairs = blocking_pairs({"a": ["X"]}, {"X": ["a"]}, {"X": 1}, {})
    assert pairs == [("a", "X")]


def test_a_startup_and_partner_preferring_each_other_are_a_blocking_pair():
    startup_prefs = {"a": ["X", "Y"], "b": ["X", "Y"]}
    partner_prefs = {"X": ["a", "b"], "Y": ["a", "b"]}
    assert blocking_pairs(startup_prefs, partner_prefs, {"X": 1, "Y": 1}, {"a": "Y", "b": "X"}) == [("a", "X")]


def test_a_forbidden_pair_does_not_block():
    assert blocking_pairs({"a": ["X"]}, {"X": ["a"]}, {"X": 1}, {}, forbidden=[("a", "X")]) == []


def test_pinned_startups_and_pinned_seats_block_nothing():
    startup_prefs = {"a": ["X"], "b": ["X"]}
    partner_prefs = {"X": ["b", "a"]}
    assignment = {"a": "X"}
    assert blocking_pairs(startup_prefs, partner_prefs, {"X": 1}, assignment) == [("b", "X")]
    assert blocking_pairs(startup_prefs, partner_prefs, {"X": 1}, assignment, pinned=[("a", "X")]) == []


# --------------------------------------------------------------------------------------------
# Properties on random instances


@FAST
@given(instances())
def test_no_pair_blocks_the_matching(case):
    startup_prefs, partner_prefs, capacities, forbidden = case
    result = stable_match(startup_prefs, partner_prefs, capacities, forbidden=forbidden)
    assert blocking_pairs(startup_prefs, partner_prefs, capacities, result.assignment, forbidden=forbidden) == []
    assert is_stable(startup_prefs, partner_prefs, capacities, forbidden, result.assignment)


@FAST
@given(instances())
def test_no_partner_holds_more_startups_than_seats(case):
    startup_prefs, partner_prefs, capacities, forbidden = case
    result = stable_match(startup_prefs, partner_prefs, capacities, forbidden=forbidden)
    for partner, (filled, seats) in result.seats.items():
        assert filled == sum(p == partner for p in result.assignment.values())
        assert filled <= seats == capacities.get(partner, 0)
    assert set(result.assignment.values()) <= set(result.seats)


@FAST
@given(instances())
def test_only_acceptable_pairs_are_matched_and_never_forbidden_ones(case):
    startup_prefs, partner_prefs, capacities, forbidden = case
    result = stable_match(startup_prefs, partner_prefs, capacities, forbidden=forbidden)
    for startup, partner in result.assignment.items():
        assert acceptable(startup_prefs, partner_prefs, forbidden, startup, partner)
    assert not set(result.assignment.items()) & forbidden


@FAST
@given(instances())
def test_every_startup_is_either_matched_or_has_a_reason(case):
    startup_prefs, partner_prefs, capacities, forbidden = case
    result = stable_match(startup_prefs, partner_prefs, capacities, forbidden=forbidden)
    assert set(result.assignment).isdisjoint(result.unmatched)
    assert set(result.assignment) | set(result.unmatched) == set(startup_prefs)
    for startup, reason in result.unmatched.items():
        lists = [reason["partners"], reason.get("forbidden", []), reason.get("no_seats", [])]
        order = list(dict.fromkeys(startup_prefs[startup]))
        assert all(named == [p for p in order if p in named] for named in lists)
        named = [p for named in lists for p in named]
        if reason["code"] == "no_acceptable_partner":
            assert not any(acceptable(startup_prefs, partner_prefs, forbidden, startup, p) for p in partner_prefs)
        else:
            assert reason["code"] in ("seats_filled_by_preferred", "no_seats")
            assert all(acceptable(startup_prefs, partner_prefs, forbidden, startup, p) for p in named)


@FAST
@given(instances(max_startups=5, max_partners=3, max_capacity=2))
def test_each_startup_does_at_least_as_well_as_in_any_stable_matching(case):
    startup_prefs, partner_prefs, capacities, forbidden = case
    ours = stable_match(startup_prefs, partner_prefs, capacities, forbidden=forbidden).assignment
    stable = all_stable_matchings(startup_prefs, partner_prefs, capacities, forbidden)
    assert ours in stable
    for other in stable:
        for startup, partner in other.items():
            assert startup in ours
            assert startup_prefs[startup].index(ours[startup]) <= startup_prefs[startup].index(partner)


@FAST
@given(instances(), st.data())
def test_pins_are_honoured_and_the_rest_is_stable_around_them(case, data):
    startup_prefs, partner_prefs, capacities, forbidden = case
    pins, left = [], dict(capacities)
    for startup in startup_prefs:
        partners = [p for p, seats in sorted(left.items()) if seats > 0 and (startup, p) not in forbidden]
        if partners and data.draw(st.booleans()):
            partner = data.draw(st.sampled_from(partners))
            pins.append((startup, partner))
            left[partner] -= 1
    result = stable_match(startup_prefs, partner_prefs, capacities, pinned=pins, forbidden=forbidden)
    assert set(pins) <= set(result.assignment.items())
    assert all(filled <= seats for filled, seats in result.seats.values())
    assert not set(result.assignment.items()) & forbidden
    assert (
        blocking_pairs(startup_prefs, partner_prefs, capacities, result.assignment, forbidden=forbidden, pinned=pins)
        == []
    )


@FAST
@given(instances(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_the_inputs(case, rng):
    startup_prefs, partner_prefs, capacities, forbidden = case
    first = stable_match(startup_prefs, partner_prefs, capacities, forbidden=sorted(forbidden))
    again = stable_match(startup_prefs, partner_prefs, capacities, forbidden=sorted(forbidden))
    shuffled_forbidden = list(forbidden)
    rng.shuffle(shuffled_forbidden)
    shuffled = stable_match(
        reordered(startup_prefs, rng),
        reordered(partner_prefs, rng),
        reordered(capacities, rng),
        forbidden=shuffled_forbidden,
    )
    assert again == first == shuffled
    for attribute in ("assignment", "unmatched", "seats"):
        assert list(getattr(shuffled, attribute).items()) == list(getattr(first, attribute).items())


def test_a_larger_instance_with_full_lists_has_no_blocking_pair():
    rng = random.Random(7)
    startups, partners = range(300), [f"p{j}" for j in range(11)]
    startup_prefs = {s: rng.sample(partners, len(partners)) for s in startups}
    partner_prefs = {p: rng.sample(list(startups), len(startups)) for p in partners}
    capacities = {p: rng.randint(3, 9) for p in partners}
    result = stable_match(startup_prefs, partner_prefs, capacities)
    assert len(result.assignment) == sum(capacities.values())
    assert blocking_pairs(startup_prefs, partner_prefs, capacities, result.assignment) == []
    assert {reason["code"] for reason in result.unmatched.values()} == {"seats_filled_by_preferred"}
