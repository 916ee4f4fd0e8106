"""Stable matching of startups to partner seats, as plain functions over plain data.

No database here: the matching job loads the preferences in bulk, calls `stable_match`, and writes
the result (DESIGN.md "Partners, matching and the Matching Day").

The rule: startup-proposing deferred acceptance (Gale–Shapley in its hospitals/residents form)
with a number of seats per partner. A pair can be matched only when it is acceptable: the startup
lists the partner, the partner lists the startup, and staff have not forbidden it. Without pins the
result is the startup-optimal stable matching — no startup and partner both prefer each other to
what they have, and every startup gets the best partner it has in any stable matching — which is
unique, so it depends on the inputs only, not on the order they come in.

Pins are placed first: each takes one seat of its partner whatever either side's preferences, and
cannot be displaced. The other startups are then matched, stably, to the seats the pins leave.
`blocking_pairs(..., pinned=pins)` checks exactly that.

Every startup that is not matched gets a reason, a code with parameters (as `matching.scoring`
writes its reasons; the words are chosen where the reason is shown). Partners are listed in the
startup's order of preference:

- `{"code": "no_acceptable_partner", "partners": [...], "forbidden": [...]}`: no partner both
  listed by the startup and listing it back without a conflict. `partners` are the partners it
  listed that did not rank it, `forbidden` those it listed and that ranked it, but whose pair staff
  forbade; both are empty when the startup listed nobody.
- `{"code": "seats_filled_by_preferred", "partners": [...], "no_seats": [...]}`: it asked every
  acceptable partner; each in `partners` (never empty) filled its seats with startups that partner
  prefers; each in `no_seats` had no seat open to anyone (no capacity, or every seat pinned).
- `{"code": "no_seats", "partners": [...]}`: none of its acceptable partners had a seat open
  (no capacity, or every seat pinned).

Ids of startups and of partners may be any hashable values, as long as all ids of one kind compare
with each other (ints, strings): the result's dicts are in sorted id order.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

StartupId = Hashable
PartnerId = Hashable

NO_ACCEPTABLE_PARTNER = "no_acceptable_partner"
SEATS_FILLED_BY_PREFERRED = "seats_filled_by_preferred"
NO_SEATS = "no_seats"


@dataclass(frozen=True)
class MatchResult:
    """`assignment`: matched startup → partner (pins included). `unmatched`: every other startup of
    `startup_prefs` → its reason. `seats`: partner → (seats filled, capacity)."""

    assignment: dict[StartupId, PartnerId]
    unmatched: dict[StartupId, dict[str, Any]]
    seats: dict[PartnerId, tuple[int, int]]


def _ranks(prefs: Sequence) -> dict:
    """Id → position in a preference list; a repeated id keeps its first (best) position."""
    return dict(zip(reversed(prefs), range(len(prefs) - 1, -1, -1), strict=True))


def _first_occurrences(prefs: Sequence) -> list:
    return list(dict.fromkeys(prefs))


def _capacities(capacities: Mapping[PartnerId, int]) -> dict[PartnerId, int]:
    for partner, seats in capacities.items():
        if seats < 0:
            raise ValueError(f"Partner {partner!r} has a negative number of seats ({seats}).")
    return dict(capacities)


def _forbidden_by_startup(forbidden: Iterable[tuple[StartupId, PartnerId]]) -> dict[StartupId, set[PartnerId]]:
    by_startup: dict[StartupId, set[PartnerId]] = {}
    for startup, partner in forbidden:
        by_startup.setdefault(startup, set()).add(partner)
    return by_startup


def _pins(
    pinned: Iterable[tuple[StartupId, PartnerId]],
    startup_prefs: Mapping[StartupId, Sequence[PartnerId]],
    capacities: Mapping[PartnerId, int],
    forbidden: Mapping[StartupId, set[PartnerId]],
) -> dict[StartupId, PartnerId]:
    """Pinned startup → partner, after checking the pins can all hold together."""
    pins: dict[StartupId, PartnerId] = {}
    # Sorted so that the first problem reported does not depend on the order pins came in.
    for startup, partner in sorted({tuple(pair) for pair in pinned}):
        if startup not in startup_prefs:
            raise ValueError(f"Startup {startup!r} is pinned to partner {partner!r} but is not being matched.")
        if startup in pins:
            raise ValueError(
                f"Startup {startup!r} is pinned to two partners ({pins[startup]!r} and {partner!r}); "
                "a startup can be pinned to one partner only."
            )
        if partner in forbidden.get(startup, ()):
            raise ValueError(f"The pair startup {startup!r} – partner {partner!r} is both pinned and forbidden.")
        pins[startup] = partner
    per_partner: dict[PartnerId, list[StartupId]] = {}
    for startup, partner in pins.items():
        per_partner.setdefault(partner, []).append(startup)
    for partner, startups in sorted(per_partner.items()):
        seats = capacities.get(partner, 0)
        if len(startups) > seats:
            raise ValueError(
                f"Partner {partner!r} has {seats} seat(s) but {len(startups)} startups are pinned to it "
                f"({', '.join(repr(s) for s in sorted(startups))})."
            )
    return pins


def stable_match(
    startup_prefs: Mapping[StartupId, Sequence[PartnerId]],
    partner_prefs: Mapping[PartnerId, Sequence[StartupId]],
    capacities: Mapping[PartnerId, int],
    *,
    pinned: Iterable[tuple[StartupId, PartnerId]] = (),
    forbidden: Iterable[tuple[StartupId, PartnerId]] = (),
) -> MatchResult:
    """The startup-optimal stable matching of the startups to the seats the pins leave (module docstring).

    Raises ValueError when the pins cannot hold: a startup pinned twice, more pins than seats for a
    partner, a pair both pinned and forbidden, a pinned startup that is not in `startup_prefs`; and
    for a negative capacity.
    """
    capacities = _capacities(capacities)
    banned = _forbidden_by_startup(forbidden)
    pins = _pins(pinned, startup_prefs, capacities, banned)
    open_seats = dict(capacities)
    for partner in pins.values():
        open_seats[partner] -= 1

    rank = {partner: _ranks(prefs) for partner, prefs in partner_prefs.items()}
    # Per partner a heap of the startups it holds, worst first: (-rank, startup).
    held: dict[PartnerId, list[tuple[int, StartupId]]] = {partner: [] for partner in rank}
    next_choice: dict[StartupId, int] = {}
    # Popped from the end: the lowest id proposes first. The result does not depend on this order
    # (the startup-optimal stable matching is unique); fixing it keeps the work the same run to run.
    free = sorted((s for s in startup_prefs if s not in pins), reverse=True)
    while free:
        startup = free.pop()
        choices = startup_prefs[startup]
        barred = banned.get(startup, ())
        i = next_choice.get(startup, 0)
        while i < len(choices):
            partner = choices[i]
            i += 1
            ranks = rank.get(partner)
            if ranks is None:
                continue
            r = ranks.get(startup)
            if r is None or partner in barred:
                continue
            seats = open_seats.get(partner, 0)
            if seats <= 0:
                continue
            heap = held[partner]
            if len(heap) < seats:
                heapq.heappush(heap, (-r, startup))
                break
            if -heap[0][0] > r:  # the partner prefers this startup to the worst one it holds
                free.append(heapq.heapreplace(heap, (-r, startup))[1])
                break
        next_choice[startup] = i

    matched: dict[StartupId, PartnerId] = dict(pins)
    for partner, heap in held.items():
        for _negative_rank, startup in heap:
            matched[startup] = partner
    assignment = {startup: matched[startup] for startup in sorted(matched)}
    unmatched = {
        startup: _reason(startup_prefs[startup], startup, rank, banned.get(startup, ()), open_seats)
        for startup in sorted(startup_prefs)
        if startup not in matched
    }
    filled: dict[PartnerId, int] = {}
    for partner in assignment.values():
        filled[partner] = filled.get(partner, 0) + 1
    partners = sorted(set(capacities) | set(partner_prefs))
    seats = {partner: (filled.get(partner, 0), capacities.get(partner, 0)) for partner in partners}
    return MatchResult(assignment=assignment, unmatched=unmatched, seats=seats)


def _reason(
    choices: Sequence[PartnerId],
    startup: StartupId,
    rank: Mapping[PartnerId, Mapping[StartupId, int]],
    barred: Iterable[PartnerId],
    open_seats: Mapping[PartnerId, int],
) -> dict[str, Any]:
    """Why an unmatched startup is unmatched. It asked every acceptable partner and each turned it
    away: a partner turns a startup away only when it has no seat open, or when every open seat
    holds a startup it prefers — and from then on it only trades up, so that stays true."""
    not_ranked, conflicted, preferred, without_seats = [], [], [], []
    for partner in _first_occurrences(choices):
        if startup not in rank.get(partner, {}):
            not_ranked.append(partner)
        elif partner in barred:
            conflicted.append(partner)
        elif open_seats.get(partner, 0) <= 0:
            without_seats.append(partner)
        else:
            preferred.append(partner)
    if preferred:
        return {"code": SEATS_FILLED_BY_PREFERRED, "partners": preferred, "no_seats": without_seats}
    if without_seats:
        return {"code": NO_SEATS, "partners": without_seats}
    return {"code": NO_ACCEPTABLE_PARTNER, "partners": not_ranked, "forbidden": conflicted}


def blocking_pairs(
    startup_prefs: Mapping[StartupId, Sequence[PartnerId]],
    partner_prefs: Mapping[PartnerId, Sequence[StartupId]],
    capacities: Mapping[PartnerId, int],
    assignment: Mapping[StartupId, PartnerId],
    *,
    forbidden: Iterable[tuple[StartupId, PartnerId]] = (),
    pinned: Iterable[tuple[StartupId, PartnerId]] = (),
) -> list[tuple[StartupId, PartnerId]]:
    """The (startup, partner) pairs that would rather be matched to each other than keep `assignment`.

    A pair blocks when it is acceptable (each lists the other, not forbidden), the startup is
    unmatched or prefers the partner to its own, and the partner has a seat left (it prefers any
    acceptable startup to an empty seat) or prefers the startup to the worst one it holds. A partner
    the startup does not list (or a startup the partner does not list) counts as worse than any
    acceptable one. With `pinned`, pinned startups cannot move and pinned seats cannot be freed, so
    they block nothing. Pairs come in startup id order, then in the startup's order of preference.
    """
    banned = _forbidden_by_startup(forbidden)
    pins = dict(pinned)
    rank = {partner: _ranks(prefs) for partner, prefs in partner_prefs.items()}
    filled: dict[PartnerId, int] = {}
    worst: dict[PartnerId, float] = {}  # the worst rank among a partner's startups that are not pinned
    for startup, partner in assignment.items():
        filled[partner] = filled.get(partner, 0) + 1
        if pins.get(startup) != partner:
            r = rank.get(partner, {}).get(startup, float("inf"))
            worst[partner] = max(worst.get(partner, -1), r)
    pairs = []
    for startup in sorted(startup_prefs):
        if startup in pins:
            continue
        current = assignment.get(startup)
        barred = banned.get(startup, ())
        for partner in _first_occurrences(startup_prefs[startup]):
            if partner == current:
                break  # everything further down the list is worse than what the startup has
            r = rank.get(partner, {}).get(startup)
            if r is None or partner in barred:
                continue
            if filled.get(partner, 0) < capacities.get(partner, 0) or r < worst.get(partner, -1):
                pairs.append((startup, partner))
    return pairs
