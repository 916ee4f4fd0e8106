"""Evaluator assignment and conflict detection as plain functions over plain data.

No database here: the service in `matching/services/assignment.py` loads rows in bulk, calls
`assign`, and writes the pairs in bulk.

The rule (DESIGN.md "Assignment"): every application gets exactly `k` distinct evaluators from
the pool, never a conflicted one; final loads are balanced (every evaluator within one of the
others); among balanced assignments, evaluators whose expertise overlaps the startup's sectors
are preferred; the result is the same for the same seed; if it cannot be done nothing is assigned
and the failure names each application that cannot be served and why.

Existing assignments (a re-run, a recusal) are kept: they count toward `k` and toward the
evaluator's load, and only the missing slots are filled. When they make a spread of one
impossible (an evaluator recused on a round that was already perfectly balanced), the missing
slots go where the highest final load stays as low as it can be; the plan says so
(`strictly_balanced` is False).

How: applications are taken most constrained first; each picks the eligible evaluators with the
most overlap whose load is not ahead of an even pace, then the lowest load, then a seeded random
order. Whatever the greedy pass leaves (a slot no evaluator with room can take, an evaluator
below its lower bound) is repaired with augmenting paths, as in a max-flow with lower and upper
bounds, so a solution is found whenever one exists.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from math import ceil

AppId = Hashable
EvaluatorId = Hashable

# Mail services anyone can sign up to: sharing one of these says nothing about a relation.
PUBLIC_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "kakao.com",
        "nate.com",
        "empas.com",
        "korea.com",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.co.kr",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "zoho.com",
        "hanmir.com",
        "paran.com",
        "dreamwiz.com",
        "lycos.co.kr",
        "freechal.com",
        "chol.com",
    }
)

MEMBER = "member"
EMAIL_DOMAIN = "email_domain"


def email_domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].strip().lower() if "@" in address else ""


def detect_conflicts(
    *,
    evaluators: Mapping[EvaluatorId, tuple[int, str]],
    members: Iterable[tuple[Hashable, int, str]],
    public_domains: frozenset[str] = PUBLIC_EMAIL_DOMAINS,
) -> dict[tuple[EvaluatorId, Hashable], str]:
    """Conflicts found in the data: `{(evaluator, startup): source}`.

    `evaluators` maps an evaluator to (user id, e-mail); `members` lists the active members of the
    startups as (startup, user id, e-mail). An evaluator who is a member is a `member` conflict;
    one whose e-mail domain equals a member's, unless the domain is a public mail service, is an
    `email_domain` conflict. A member conflict wins when both apply.
    """
    by_user: dict[int, list[EvaluatorId]] = {}
    by_domain: dict[str, list[EvaluatorId]] = {}
    for evaluator, (user_id, address) in evaluators.items():
        by_user.setdefault(user_id, []).append(evaluator)
        domain = email_domain(address)
        if domain and domain not in public_domains:
            by_domain.setdefault(domain, []).append(evaluator)
    found: dict[tuple[EvaluatorId, Hashable], str] = {}
    for startup, user_id, address in members:
        for evaluator in by_user.get(user_id, ()):
            found[(evaluator, startup)] = MEMBER
        for evaluator in by_domain.get(email_domain(address), ()):
            found.setdefault((evaluator, startup), EMAIL_DOMAIN)
    return found


@dataclass(frozen=True)
class Problem:
    """Why one application (or, with `application=None`, the round as a whole) cannot be served."""

    application: AppId | None
    reason: str


@dataclass
class Plan:
    """The outcome of `assign`: the new pairs, or the problems and no pairs."""

    pairs: list[tuple[AppId, EvaluatorId]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    loads: dict[EvaluatorId, int] = field(default_factory=dict)  # final loads, existing included
    strictly_balanced: bool = True
    overlap_pairs: int = 0  # new pairs whose evaluator's expertise overlaps the application's sectors

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def overlap_share(self) -> float:
        return self.overlap_pairs / len(self.pairs) if self.pairs else 0.0


def _bounds(current: list[int], slots: int) -> tuple[int, list[int], list[int]]:
    """Water-filling: the lowest level c with Σ max(0, c − current) ≥ slots; each evaluator ends
    between max(current, c − 1) and max(current, c). With no existing load that is ⌊T/E⌋..⌈T/E⌉."""
    low, high = min(current), max(current) + slots
    while low < high:
        mid = (low + high) // 2
        if sum(max(0, mid - load) for load in current) >= slots:
            high = mid
        else:
            low = mid + 1
    return low, [max(load, low - 1) for load in current], [max(load, low) for load in current]


class _Solver:
    """Evaluators and applications are integer indices here, so every set iterates in the same
    order in every process (string hashing is randomised per process)."""

    def __init__(self, *, eligible, need, overlap, current, order, tie, names):
        self.names = names
        self.eligible = eligible  # app -> evaluators allowed to take it, in tie-break order
        self.eligible_sets = [set(es) for es in eligible]
        self.need = need
        self.overlap = overlap  # app -> {evaluator: overlap count}
        self.current = current
        self.order = order
        self.tie = tie  # app -> shift of the seeded ranking
        self.size = len(current)

    def run(self, lower: list[int], upper: list[int]):
        size = self.size
        load = list(self.current)
        chosen: list[set[int]] = [set() for _ in self.eligible]
        apps_of: list[set[int]] = [set() for _ in range(size)]
        total = sum(self.need[a] for a in self.order) or 1
        # An evaluator may run ahead of an even share of the work so far by one at most: overlap is
        # preferred without starving the evaluators who overlap with nobody.
        head_room = [upper[e] - self.current[e] for e in range(size)]
        base = [self.current[e] + 1 for e in range(size)]
        placed = 0
        for app in self.order:
            need = self.need[app]
            progress = (placed + need) / total
            overlap, shift = self.overlap[app], self.tie[app]
            candidates = [
                (load[e] > base[e] + ceil(head_room[e] * progress), -overlap.get(e, 0), load[e], (e - shift) % size)
                for e in self.eligible[app]
                if load[e] < upper[e]
            ]
            candidates.sort()
            for *_, rank in candidates[:need]:
                e = (rank + shift) % size
                chosen[app].add(e)
                apps_of[e].add(app)
                load[e] += 1
            placed += need

        unserved = []
        for app in self.order:
            while len(chosen[app]) < self.need[app]:
                if not self._augment_slot(app, chosen, apps_of, load, upper):
                    unserved.append(app)
                    break
        if unserved:
            return None, [
                (
                    app,
                    "balanced loads impossible: every unconflicted evaluator already has its share "
                    f"({len(chosen[app])} of {self.need[app]} missing evaluators found)",
                )
                for app in unserved
            ]
        for e in range(size):
            while load[e] < lower[e]:
                if not self._raise_evaluator(e, chosen, apps_of, load, lower):
                    reason = (
                        f"balanced loads impossible: evaluator {self.names[e]} can take only {load[e]} "
                        f"applications, {lower[e]} needed"
                    )
                    return None, [(None, reason)]
        return chosen, load

    def _augment_slot(self, app, chosen, apps_of, load, upper) -> bool:
        """Give `app` one more evaluator along a path app → e1, a1 moves e1 → e2, …, ending at an
        evaluator with room (an augmenting path of the max-flow). Breadth-first over evaluators."""
        parent: dict[int, tuple[int, int | None]] = {}
        queue: deque[int] = deque()
        for e in self.eligible[app]:
            if e not in chosen[app]:
                parent[e] = (app, None)
                queue.append(e)
        unvisited = [e for e in range(self.size) if e not in parent]
        end = None
        while queue:
            e = queue.popleft()
            if load[e] < upper[e]:
                end = e
                break
            for other in sorted(apps_of[e]):
                allowed, taken = self.eligible_sets[other], chosen[other]
                reached = [n for n in unvisited if n in allowed and n not in taken]
                if reached:
                    for n in reached:
                        parent[n] = (other, e)
                        queue.append(n)
                    unvisited = [n for n in unvisited if n not in parent]
        if end is None:
            return False
        e = end
        load[e] += 1
        while True:
            moved, source = parent[e]
            chosen[moved].add(e)
            apps_of[e].add(moved)
            if source is None:
                return True
            chosen[moved].discard(source)
            apps_of[source].discard(moved)
            e = source

    def _raise_evaluator(self, target, chosen, apps_of, load, lower) -> bool:
        """Give `target` one more application taken from an evaluator above its lower bound, through a
        chain if needed: target takes a1 from e1, e1 takes a2 from e2, …"""
        parent: dict[int, tuple[int, int]] = {}
        visited = {target}
        queue: deque[int] = deque([target])
        end = None
        while queue and end is None:
            taker = queue.popleft()
            for app in self.order:
                if taker in chosen[app] or taker not in self.eligible_sets[app]:
                    continue
                for giver in sorted(chosen[app]):
                    if giver in visited:
                        continue
                    visited.add(giver)
                    parent[giver] = (app, taker)
                    if load[giver] > lower[giver]:
                        end = giver
                        break
                    queue.append(giver)
                if end is not None:
                    break
        if end is None:
            return False
        giver = end
        load[giver] -= 1
        while True:
            app, taker = parent[giver]
            chosen[app].discard(giver)
            apps_of[giver].discard(app)
            chosen[app].add(taker)
            apps_of[taker].add(app)
            if taker == target:
                load[target] += 1
                return True
            giver = taker


def assign(
    *,
    applications: Mapping[AppId, Iterable[Hashable]],
    evaluators: Mapping[EvaluatorId, Iterable[Hashable]],
    k: int,
    forbidden: Iterable[tuple[EvaluatorId, AppId]] = (),
    loads: Mapping[EvaluatorId, int] | None = None,
    existing: Mapping[AppId, Iterable[EvaluatorId]] | None = None,
    seed: int = 0,
) -> Plan:
    """Assign `k` distinct evaluators to every application; all or nothing.

    `applications` maps an application to its sector tags, `evaluators` an evaluator to its expertise
    tags. `forbidden` holds the (evaluator, application) pairs that must never be made (conflicts,
    recusals). `loads` is each evaluator's current load (0 when absent); `existing` the evaluators an
    application already has, which count toward `k`. Returns a Plan with the new pairs, or with the
    problems and no pairs.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    rng = random.Random(seed)  # noqa: S311 - tie-breaks, not secrets
    app_ids = list(applications)
    app_index = {a: i for i, a in enumerate(app_ids)}
    # A seeded ranking of the pool is the tie-break, rotated per application.
    ev_ids = sorted(evaluators, key=repr)
    rng.shuffle(ev_ids)
    ev_index = {e: i for i, e in enumerate(ev_ids)}
    size = len(ev_ids)
    current = [int((loads or {}).get(e, 0)) for e in ev_ids]

    blocked: list[set[int]] = [set() for _ in app_ids]
    for e, a in forbidden:
        if a in app_index and e in ev_index:
            blocked[app_index[a]].add(ev_index[e])
    # Existing evaluators count toward k even when they have left the pool; only pool members are candidates.
    served = [len(set((existing or {}).get(a, ()))) for a in app_ids]
    has = [{ev_index[e] for e in (existing or {}).get(a, ()) if e in ev_index} for a in app_ids]

    by_tag: dict[Hashable, list[int]] = {}
    for e in ev_ids:
        for tag in set(evaluators[e]):
            by_tag.setdefault(tag, []).append(ev_index[e])

    need, eligible, overlap, tie, problems = [], [], [], [], []
    for i, app in enumerate(app_ids):
        missing = max(0, k - served[i])
        shift = rng.randrange(size) if size else 0
        allowed: list[int] = []
        if missing:  # an application already served (a re-run) needs no candidates
            excluded = blocked[i] | has[i]
            allowed = [(j + shift) % size for j in range(size)]
            allowed = [e for e in allowed if e not in excluded] if excluded else allowed
        if len(allowed) < missing:
            count = len(allowed) + served[i]
            problems.append(Problem(app, f"only {count} unconflicted evaluator{'' if count == 1 else 's'} for k={k}"))
        counts: dict[int, int] = {}
        if missing:
            for tag in set(applications[app]):
                for e in by_tag.get(tag, ()):
                    counts[e] = counts.get(e, 0) + 1
        need.append(missing)
        eligible.append(allowed)
        overlap.append(counts)
        tie.append(shift)
    if problems:
        return Plan(problems=problems, loads=dict(zip(ev_ids, current, strict=True)))

    keys = [rng.random() for _ in app_ids]
    todo = [i for i in range(len(app_ids)) if need[i]]
    # Most constrained first: fewest evaluators to choose from per missing slot.
    todo.sort(key=lambda i: (len(eligible[i]) - need[i], keys[i]))
    slots = sum(need[i] for i in todo)
    if not todo:
        return Plan(loads=dict(zip(ev_ids, current, strict=True)))

    solver = _Solver(eligible=eligible, need=need, overlap=overlap, current=current, order=todo, tie=tie, names=ev_ids)
    level, lower, upper = _bounds(current, slots)
    chosen, result = solver.run(lower, upper)
    strict = chosen is not None
    if chosen is None and any(current):
        # Existing assignments pin some loads (a recusal on a balanced round): find the lowest
        # maximum load that works, with no lower bound but the loads already there.
        low, high, best = level + 1, max(current) + slots, None
        while low <= high:
            mid = (low + high) // 2
            attempt = solver.run(list(current), [max(load, mid) for load in current])
            if attempt[0] is not None:
                best, high = attempt, mid - 1
            else:
                low = mid + 1
        if best is not None:
            chosen, result = best
    if chosen is None:
        named = [Problem(None if i is None else app_ids[i], reason) for i, reason in result]
        return Plan(problems=named, loads=dict(zip(ev_ids, current, strict=True)))

    pairs, overlap_pairs = [], 0
    for i in range(len(app_ids)):
        for e in sorted(chosen[i], key=lambda e, s=tie[i]: (e - s) % size):
            pairs.append((app_ids[i], ev_ids[e]))
            overlap_pairs += overlap[i].get(e, 0) > 0
    return Plan(
        pairs=pairs,
        loads=dict(zip(ev_ids, result, strict=True)),
        strictly_balanced=strict,
        overlap_pairs=overlap_pairs,
    )


def check_plan(
    plan: Plan,
    *,
    applications: Mapping[AppId, Iterable[Hashable]],
    evaluators: Mapping[EvaluatorId, Iterable[Hashable]],
    k: int,
    forbidden: Iterable[tuple[EvaluatorId, AppId]] = (),
    loads: Mapping[EvaluatorId, int] | None = None,
    existing: Mapping[AppId, Iterable[EvaluatorId]] | None = None,
) -> list[str]:
    """The rules a successful plan keeps, as a list of violations (empty when it keeps them all):
    k distinct evaluators per application, no forbidden pair, loads as reported, and — when the plan
    is strictly balanced — everyone who received work within one of the least loaded evaluator."""
    errors = []
    forbidden = set(forbidden)
    start = {e: int((loads or {}).get(e, 0)) for e in evaluators}
    final = dict(start)
    per_app = {a: set((existing or {}).get(a, ())) for a in applications}
    for app, e in plan.pairs:
        if e not in evaluators or app not in applications:
            errors.append(f"unknown pair {(app, e)}")
            continue
        if (e, app) in forbidden:
            errors.append(f"conflicted pair {(app, e)}")
        if e in per_app[app]:
            errors.append(f"evaluator {e} twice on {app}")
        per_app[app].add(e)
        final[e] += 1
    errors += [f"{a} has {len(es)} evaluators, not {k}" for a, es in per_app.items() if len(es) < k]
    if final != plan.loads:
        errors.append("reported loads differ from the pairs")
    busy = [n for e, n in final.items() if n > start[e]]
    if plan.strictly_balanced and busy and max(busy) - min(final.values()) > 1:
        errors.append(f"loads {min(final.values())}..{max(busy)} differ by more than one")
    return errors


def assign_by_panel(
    *,
    applications: Mapping[AppId, Iterable[Hashable]],
    evaluators: Mapping[EvaluatorId, Iterable[Hashable]],
    panel_of: Mapping[AppId, Hashable],
    panels: Mapping[Hashable, Iterable[EvaluatorId]],
    k: int,
    forbidden: Iterable[tuple[EvaluatorId, AppId]] = (),
    loads: Mapping[EvaluatorId, int] | None = None,
    existing: Mapping[AppId, Iterable[EvaluatorId]] | None = None,
    seed: int = 0,
) -> Plan:
    """`assign` once per panel: an application draws its evaluators only from the panel serving it
    (`panel_of`: application → panel; `panels`: panel → its evaluators), with the same conflict and
    balance rules inside each panel. All or nothing over the whole round: an application without a
    panel, or any panel that cannot be served, leaves every panel unassigned.

    Panels are taken in a fixed order (by repr); an evaluator sitting on two panels carries the load
    of the earlier panels into the later ones.
    """
    forbidden = set(forbidden)
    problems = [Problem(app, "no panel serves the application's track") for app in applications if app not in panel_of]
    current = {e: int((loads or {}).get(e, 0)) for e in evaluators}
    plan = Plan(loads=dict(current))
    if problems:
        plan.problems = problems
        return plan
    members_of = {panel: [e for e in members if e in evaluators] for panel, members in panels.items()}
    apps_of: dict[Hashable, list[AppId]] = {}
    for app in applications:
        apps_of.setdefault(panel_of[app], []).append(app)
    for panel in sorted(apps_of, key=repr):
        members = members_of.get(panel, [])
        part = assign(
            applications={app: applications[app] for app in apps_of[panel]},
            evaluators={e: evaluators[e] for e in members},
            k=k,
            forbidden=forbidden,
            loads={e: current[e] for e in members},
            existing={app: (existing or {}).get(app, ()) for app in apps_of[panel]},
            seed=seed,
        )
        if not part.ok:
            plan.problems += part.problems
            continue
        current.update(part.loads)
        plan.pairs += part.pairs
        plan.overlap_pairs += part.overlap_pairs
        plan.strictly_balanced = plan.strictly_balanced and part.strictly_balanced
    if plan.problems:
        plan.pairs, plan.overlap_pairs = [], 0
        return plan
    plan.loads = current
    return plan
