"""The Matching Day scheduler: meetings placed in time slots at tables, as a plain function over plain data.

No database and no Django here (DESIGN.md "Partners, matching and the Matching Day"): the service
loads the event's requests, slots, tables, availabilities and locked meetings, calls
`plan_meetings`, and writes the plan.

    plan_meetings(requests, slots, tables, *, unavailable=(), locked=None, buffer_slots=0) -> MeetingPlan

- `requests`: request id → (startup id, host id); a host is a partner or an evaluation panel.
- `slots`: slot ids in time order, consecutive entries adjacent in time (a break is a slot in
  which everyone is unavailable, so it still counts as time between two meetings).
- `tables`: table id → host id. A host's meeting takes one of its own tables; a host with four
  tables holds four meetings at once.
- `unavailable`: ("startup" | "host" | "table", id, slot id) triples; slots not in `slots` are ignored.
- `locked`: request id → (slot id, table id): these meetings keep their place exactly.
- `buffer_slots`: free slots required between two meetings of one startup (0: back to back).

The rules: a startup is never in two meetings within `buffer_slots` + 1 slots of each other, a
table never holds two meetings in one slot, nothing is placed where its startup, its host or its
table is unavailable, locked meetings keep their place, and as many requests as possible are
placed (all of them whenever a complete plan exists). Among plans that place as many, the
startups' days are kept compact: the sum over startups of (last slot − first slot) is minimised.
The result depends on the inputs only, not on the order of dicts or iterables (ids are sorted;
ids of one kind must be mutually comparable).

Locked meetings are checked, not repaired: a locked request that is unknown, names an unknown
slot or table, sits at another host's table, where its startup, host or table is unavailable, at
a table another locked meeting holds in that slot, or within the buffer of another locked meeting
of its startup raises `ValueError` naming both sides; staff must unlock one of them.

Every request ends in exactly one of `MeetingPlan.placed` (request id → (slot id, table id)) and
`MeetingPlan.unplaced` (request id → reason). Reasons are codes with parameters, like
`matching/reasons.py`'s, diagnosed in this order (the first that holds):

- `{"code": "no_table", "host": h}`: the host has no table.
- `{"code": "startup_unavailable", "startup": s}`: the startup is unavailable in every slot.
- `{"code": "host_unavailable", "host": h}`: in no slot are the host and one of its tables available
  (and free of locked meetings).
- `{"code": "no_common_slot", "startup": s, "host": h}`: no slot where the startup, the host and one
  of the host's tables are available at once, and the startup is free of its locked meetings.
- `{"code": "host_slots_exhausted", "host": h, "free": n, "requests": m}`: the host has `n` free
  meeting places (slot × table, locked meetings taken out) for `m` requests still to place.
- `{"code": "startup_slots_exhausted", "startup": s, "free": n, "requests": m}`: the startup can
  attend at most `n` more meetings in its available slots (buffer and locked meetings counted)
  and has `m` requests still to place.
- `{"code": "common_slots_taken", "startup": s, "host": h, "common": n}`: the `n` slots the two
  share are all taken by the other meetings of the best plan found.

How (measured with bench/matching_day.py, 900 requests, 24,300 (request, slot) choices): a
first-fit pass takes startups most constrained first and gives each the shortest, then earliest
window of slots (`buffer_slots` apart from the window's start) in which its hosts have a table
free, matching requests to the window's slots with augmenting paths; what no window takes goes to
the available slot closest to the startup's other meetings. It places all 900 in 0.05 s with a
mean idle time of about 1 minute per startup (buffer 0). What it leaves unplaced an ejection chain
repairs: the request takes a slot where one meeting of its startup or of its host is in the way, and
that meeting moves on in turn (at most `REPAIR_DEPTH` moves, `REPAIR_STEPS` tries in all). Only
what the repair leaves does OR-Tools CP-SAT solve, the placement model with the plan as a hint: per
request a choice of
slot, per (host, slot) at most as many meetings as the host has tables available, per startup at
most one meeting in any `buffer_slots` + 1 consecutive slots; maximise placed requests. On small
days (≤ `COMPACT_MAX_CHOICES` choices) whose days are not already as short as each startup's own
availability allows, a second CP-SAT model keeps that many placed and minimises the startups'
spans; on the bench it found nothing shorter than first fit in 60 s, hence the size cut. Tables
of a host are interchangeable, so concrete tables are given afterwards: the lowest free table ids,
in request id order. CP-SAT runs on one worker with a fixed seed and deterministic time limits
(its own work units, the same on every machine and load), so an input always yields the same
plan; the wall-clock limit (`SOLVER_WALL_SECONDS`) is only a backstop. With first fit's plan a
tenth short (the bench's `--force-solver`), the repair places all 900 back in 0.1 s, where CP-SAT
alone placed 898 in 9 s; on random days 93–98 % full built from a known plan (30–120 startups,
4–11 hosts), first fit and the repair place everything in about 1 s at most.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

RequestId = Hashable
SlotId = Hashable
TableId = Hashable

NO_TABLE = "no_table"
STARTUP_UNAVAILABLE = "startup_unavailable"
HOST_UNAVAILABLE = "host_unavailable"
NO_COMMON_SLOT = "no_common_slot"
HOST_SLOTS_EXHAUSTED = "host_slots_exhausted"
STARTUP_SLOTS_EXHAUSTED = "startup_slots_exhausted"
COMMON_SLOTS_TAKEN = "common_slots_taken"

KINDS = ("startup", "host", "table")
SOLVER_DETERMINISTIC_TIME = 4.0  # CP-SAT's own work units: the same on every machine and load
COMPACT_DETERMINISTIC_TIME = 0.25  # compactness is secondary: improvements come early, proofs take long
SOLVER_WALL_SECONDS = 8.0  # backstop only; the deterministic limit is meant to stop first
# The compactness model only pays on small days: on the bench's 24,300 (request, slot) choices CP-SAT
# found nothing shorter than the first fit in 60 s.
COMPACT_MAX_CHOICES = 4000
SOLVER_SEED = 2024


@dataclass(frozen=True)
class MeetingPlan:
    placed: dict[RequestId, tuple[SlotId, TableId]] = field(default_factory=dict)
    unplaced: dict[RequestId, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _Problem:
    """The inputs in canonical (sorted) order, slots as indices 0..T-1."""

    requests: dict  # request id → (startup, host), sorted by request id
    slots: list
    host_tables: dict  # host → sorted table ids
    startup_off: dict  # startup → set of slot indices
    host_off: dict
    table_off: dict
    locked: dict  # request id → (slot index, table id)
    gap: int  # buffer_slots + 1: the least distance between two meetings of one startup
    capacity: dict = field(default_factory=dict)  # (host, t) → tables free for unlocked requests
    candidates: dict = field(default_factory=dict)  # free request id → slot indices it may take
    locked_slots: dict = field(default_factory=dict)  # startup → locked slot indices
    allowed: dict = field(default_factory=dict)  # free request id → the same slots, as a set
    by_startup: dict = field(default_factory=dict)  # startup → its free request ids
    shortest: dict = field(default_factory=dict)  # startup → fewest slots any of its free requests may take


def plan_meetings(
    requests: Mapping[RequestId, tuple[Hashable, Hashable]],
    slots: Iterable[SlotId],
    tables: Mapping[TableId, Hashable],
    *,
    unavailable: Iterable[tuple[str, Hashable, SlotId]] = (),
    locked: Mapping[RequestId, tuple[SlotId, TableId]] | None = None,
    buffer_slots: int = 0,
) -> MeetingPlan:
    """Place every request when possible, never double-booking a startup or a table (see the module
    docstring for the rules, the reason codes and the ValueErrors for locked meetings)."""
    problem = _prepare(requests, slots, tables, unavailable, locked or {}, buffer_slots)
    chosen = _first_fit(problem)
    if len(chosen) < len(problem.candidates):
        chosen = _repair(problem, chosen)
    if len(chosen) < len(problem.candidates):
        chosen = _solve(problem, hint=chosen, compact=False)
    if sum(map(len, problem.candidates.values())) <= COMPACT_MAX_CHOICES and _excess(problem, chosen):
        chosen = _solve(problem, hint=chosen, compact=True)
    return _plan(problem, chosen)


# --------------------------------------------------------------------------------------------
# Inputs


def _prepare(requests, slots, tables, unavailable, locked, buffer_slots) -> _Problem:
    slots = list(slots)
    index = {slot: t for t, slot in enumerate(slots)}
    if len(index) != len(slots):
        raise ValueError("a slot appears twice in the slot list")
    if buffer_slots < 0:
        raise ValueError("buffer_slots cannot be negative")
    host_tables: dict = defaultdict(list)
    for table in sorted(tables):
        host_tables[tables[table]].append(table)
    off: dict = {kind: defaultdict(set) for kind in KINDS}
    for kind, ident, slot in unavailable:
        if kind not in off:
            raise ValueError(f"unavailability of an unknown kind {kind!r} (expected one of {', '.join(KINDS)})")
        if slot in index:
            off[kind][ident].add(index[slot])
    problem = _Problem(
        requests={r: tuple(requests[r]) for r in sorted(requests)},
        slots=slots,
        host_tables=dict(host_tables),
        startup_off=off["startup"],
        host_off=off["host"],
        table_off=off["table"],
        locked={},
        gap=buffer_slots + 1,
    )
    _check_locked(problem, locked, index, tables)
    _derive(problem)
    return problem


def _check_locked(problem: _Problem, locked: Mapping, index: dict, tables: Mapping) -> None:
    held: dict = {}  # (t, table) → request
    by_startup: dict = defaultdict(list)
    for r in sorted(locked):
        slot, table = locked[r]
        if r not in problem.requests:
            raise ValueError(f"locked meeting {r!r} is not among the requests")
        if slot not in index:
            raise ValueError(f"locked meeting {r!r} is in slot {slot!r}, which is not among the slots")
        if table not in tables:
            raise ValueError(f"locked meeting {r!r} is at table {table!r}, which is not among the tables")
        startup, host = problem.requests[r]
        t = index[slot]
        if tables[table] != host:
            raise ValueError(f"locked meeting {r!r} with host {host!r} is at table {table!r} of host {tables[table]!r}")
        for kind, ident, off in (
            ("startup", startup, problem.startup_off),
            ("host", host, problem.host_off),
            ("table", table, problem.table_off),
        ):
            if t in off.get(ident, ()):
                raise ValueError(f"locked meeting {r!r} is in slot {slot!r}, when {kind} {ident!r} is unavailable")
        if (t, table) in held:
            raise ValueError(
                f"locked meetings {held[t, table]!r} and {r!r} are both at table {table!r} in slot {slot!r}"
            )
        held[t, table] = r
        for other, other_t in by_startup[startup]:
            if abs(other_t - t) < problem.gap:
                raise ValueError(
                    f"locked meetings {other!r} and {r!r} of startup {startup!r} are in slots "
                    f"{problem.slots[other_t]!r} and {slot!r}, less than {problem.gap - 1} free slots apart"
                )
        by_startup[startup].append((r, t))
        problem.locked[r] = (t, table)


def _derive(problem: _Problem) -> None:
    """Places left per (host, slot) once locked meetings are in, and each free request's slots."""
    taken = {(t, table) for t, table in problem.locked.values()}
    for r, (t, _table) in problem.locked.items():
        problem.locked_slots.setdefault(problem.requests[r][0], set()).add(t)
    for host, host_tables in problem.host_tables.items():
        host_off = problem.host_off.get(host, ())
        for t in range(len(problem.slots)):
            if t not in host_off:
                free = sum(
                    1 for table in host_tables if t not in problem.table_off.get(table, ()) and (t, table) not in taken
                )
                if free:
                    problem.capacity[host, t] = free
    for r, (startup, host) in problem.requests.items():
        if r in problem.locked:
            continue
        blocked = problem.startup_off.get(startup, set())
        near = problem.locked_slots.get(startup, ())
        problem.candidates[r] = [
            t
            for t in range(len(problem.slots))
            if (host, t) in problem.capacity and t not in blocked and _clear(problem, t, near)
        ]
        problem.allowed[r] = set(problem.candidates[r])
        problem.by_startup.setdefault(startup, []).append(r)
    for startup, free in problem.by_startup.items():
        problem.shortest[startup] = min(len(problem.candidates[r]) for r in free)


# --------------------------------------------------------------------------------------------
# First fit


def _first_fit(problem: _Problem) -> dict:
    """Free request → slot index, for those a greedy pass can place (see the module docstring)."""
    left = dict(problem.capacity)
    chosen: dict = {}
    order = sorted(problem.by_startup, key=lambda s: (problem.shortest[s], -len(problem.by_startup[s]), s))
    for startup in order:
        todo = [r for r in problem.by_startup[startup] if problem.candidates[r]]
        mine = set(problem.locked_slots.get(startup, ()))

        def fits(r, t, mine=mine):
            return t in problem.allowed[r] and left[problem.requests[r][1], t] > 0 and _clear(problem, t, mine)

        run = _compact_run(problem, todo, mine, fits)
        for r, t in run.items():
            chosen[r] = t
            mine.add(t)
            left[problem.requests[r][1], t] -= 1
        for r in sorted((r for r in todo if r not in run), key=lambda r: (len(problem.candidates[r]), r)):
            options = [t for t in problem.candidates[r] if fits(r, t)]
            if options:
                t = min(options, key=lambda t: (_span(mine | {t}), t))
                chosen[r] = t
                mine.add(t)
                left[problem.requests[r][1], t] -= 1
    return chosen


REPAIR_DEPTH = 4  # moves in one ejection chain
REPAIR_STEPS = 200_000  # slot tries in all: a bound on the repair's time whatever the day


def _repair(problem: _Problem, chosen: dict) -> dict:
    """First fit's plan with each unplaced request placed, where a short ejection chain allows it: the
    request takes a slot where one meeting of its startup, or one of its host's, is in the way, and
    that meeting moves on in turn (at most REPAIR_DEPTH moves). Deterministic (slots and requests in
    index order); bounded by REPAIR_STEPS; what it cannot place is left to CP-SAT."""
    chosen = dict(chosen)
    left = dict(problem.capacity)
    at: dict = defaultdict(set)  # (host, t) → requests placed there
    days: dict = defaultdict(dict)  # startup → {t: request} (locked meetings under None)
    for startup, ts in problem.locked_slots.items():
        for t in ts:
            days[startup][t] = None
    for r, t in chosen.items():
        startup, host = problem.requests[r]
        left[host, t] -= 1
        at[host, t].add(r)
        days[startup][t] = r
    steps = [REPAIR_STEPS]

    def put(r, t):
        startup, host = problem.requests[r]
        chosen[r] = t
        left[host, t] -= 1
        at[host, t].add(r)
        days[startup][t] = r

    def take(r):
        startup, host = problem.requests[r]
        t = chosen.pop(r)
        left[host, t] += 1
        at[host, t].discard(r)
        del days[startup][t]

    def place(r, depth, moving):
        startup, host = problem.requests[r]
        for t in problem.candidates[r]:
            steps[0] -= 1
            if steps[0] < 0:
                return False
            near = [days[startup][u] for u in days[startup] if abs(u - t) < problem.gap]
            if None in near or len(near) > 1:
                continue  # a locked meeting, or more than one to move
            full = left.get((host, t), 0) <= 0
            if not near and not full:
                put(r, t)
                return True
            if depth == 0:
                continue
            if near:
                other = near[0]
                if full and (problem.requests[other][1] != host or chosen[other] != t):
                    continue  # two meetings would have to move
                ejected = [other]
            else:
                ejected = sorted(at[host, t] - moving, key=str)[:1] if full else []
                if not ejected:
                    continue
            other = ejected[0]
            if other in moving:
                continue
            was = chosen[other]
            take(other)
            put(r, t)
            if place(other, depth - 1, moving | {r}):
                return True
            take(r)
            put(other, was)
        return False

    for r in sorted(r for r in problem.candidates if r not in chosen and problem.candidates[r]):
        if steps[0] < 0:
            break
        place(r, REPAIR_DEPTH, frozenset({r}))
    return chosen


def _clear(problem: _Problem, t: int, mine: Iterable[int]) -> bool:
    return all(abs(t - u) >= problem.gap for u in mine)


def _compact_run(problem: _Problem, todo: list, mine: set, fits) -> dict:
    """The requests matched to slots of the shortest, then earliest window that takes them all, the
    slots `gap` apart from the window's start (and clear of the startup's locked meetings); {} when
    no window does."""
    if not todo:
        return {}
    slots = len(problem.slots)
    for length in range((len(todo) + len(mine) - 1) * problem.gap + 1, slots + 1):
        for start in range(slots - length + 1):
            end = start + length - 1
            if mine and (min(mine) < start or max(mine) > end):
                continue
            positions = [t for t in range(start, end + 1, problem.gap) if _clear(problem, t, mine)]
            if len(positions) < len(todo):
                continue
            matched = _match(todo, positions, fits)
            if matched is not None:
                return matched
    return {}


def _match(todo: list, positions: list, fits) -> dict | None:
    """Each request to a distinct position it fits (augmenting paths), or None."""
    owner: dict = {}  # position → request

    def augment(r, seen):
        for t in positions:
            if t not in seen and fits(r, t):
                seen.add(t)
                if t not in owner or augment(owner[t], seen):
                    owner[t] = r
                    return True
        return False

    for r in todo:
        if not augment(r, set()):
            return None
    return {r: t for t, r in owner.items()}


def _span(ts) -> int:
    return max(ts) - min(ts) if ts else 0


def _days(problem: _Problem, chosen: dict) -> dict:
    """Startup → the slot indices of its meetings, locked ones included."""
    days: dict = {s: set(ts) for s, ts in problem.locked_slots.items()}
    for r, t in chosen.items():
        days.setdefault(problem.requests[r][0], set()).add(t)
    return days


def _excess(problem: _Problem, chosen: dict) -> int:
    """How many slots the startups' days are longer in total than each could be on its own (its own and
    its hosts' availability, ignoring the other startups); 0 means the plan's days are optimal."""
    excess = 0
    for startup, ts in _days(problem, chosen).items():
        placed = [r for r in problem.by_startup.get(startup, ()) if r in chosen]
        own = set(problem.locked_slots.get(startup, ()))
        run = _compact_run(problem, placed, own, lambda r, t, own=own: t in problem.allowed[r])
        if placed and not run:
            return 1  # no bound found: let the solver decide
        excess += _span(ts) - _span(own | set(run.values()))
    return excess


# --------------------------------------------------------------------------------------------
# CP-SAT


def _solve(problem: _Problem, *, hint: dict, compact: bool) -> dict:
    """The exact model: with `compact` False, as many requests placed as possible; with `compact`
    True, as many as the hint places and the startups' spans as short as possible. The hint is kept
    when the solver finds nothing better within its limits."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    slots = len(problem.slots)
    x: dict = {}
    per_request: dict = defaultdict(list)
    per_host_slot: dict = defaultdict(list)
    per_startup_slot: dict = defaultdict(list)
    for r, ts in problem.candidates.items():
        startup, host = problem.requests[r]
        for t in ts:
            var = model.NewBoolVar("")
            x[r, t] = var
            per_request[r].append(var)
            per_host_slot[host, t].append(var)
            per_startup_slot[startup, t].append(var)
            model.AddHint(var, hint.get(r) == t)
    for vars_ in per_request.values():
        if len(vars_) > 1:
            model.AddAtMostOne(vars_)
    for key in sorted(per_host_slot):
        if len(per_host_slot[key]) > problem.capacity[key]:
            model.Add(sum(per_host_slot[key]) <= problem.capacity[key])
    startups = sorted(problem.by_startup)
    for startup in startups:
        for t in range(slots):
            window = [v for u in range(t, min(slots, t + problem.gap)) for v in per_startup_slot.get((startup, u), ())]
            if len(window) > 1:
                model.AddAtMostOne(window)
    if not compact:
        model.Maximize(sum(x.values()))
    else:
        model.Add(sum(x.values()) >= len(hint))
        days = _days(problem, hint)
        spans = []
        for startup in startups:
            if len(problem.by_startup[startup]) + len(problem.locked_slots.get(startup, ())) < 2:
                continue
            fixed = problem.locked_slots.get(startup, set())
            lo, hi = (min(fixed), max(fixed)) if fixed else (slots - 1, 0)
            first = model.NewIntVar(0, lo, "")
            last = model.NewIntVar(hi, slots - 1, "")
            model.Add(first <= last)
            for t in range(slots):
                for var in per_startup_slot.get((startup, t), ()):
                    model.Add(first <= t).OnlyEnforceIf(var)
                    model.Add(last >= t).OnlyEnforceIf(var)
            if days.get(startup):
                model.AddHint(first, min(days[startup]))
                model.AddHint(last, max(days[startup]))
            spans.append(last - first)
        model.Minimize(sum(spans))

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = SOLVER_SEED
    solver.parameters.interleave_search = False
    solver.parameters.linearization_level = 2  # the LP bound it adds is what closes placement gaps fast
    solver.parameters.max_deterministic_time = COMPACT_DETERMINISTIC_TIME if compact else SOLVER_DETERMINISTIC_TIME
    solver.parameters.max_time_in_seconds = SOLVER_WALL_SECONDS
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return hint
    solved = {r: t for (r, t), var in x.items() if solver.BooleanValue(var)}
    if len(solved) < len(hint) or (compact and _total_span(problem, solved) >= _total_span(problem, hint)):
        return hint
    return solved


def _total_span(problem: _Problem, chosen: dict) -> int:
    return sum(_span(ts) for ts in _days(problem, chosen).values())


# --------------------------------------------------------------------------------------------
# The plan and its reasons


def _plan(problem: _Problem, chosen: dict) -> MeetingPlan:
    placed = {r: (problem.slots[t], table) for r, (t, table) in problem.locked.items()}
    used = {(t, table) for t, table in problem.locked.values()}
    for r in sorted(chosen):
        t = chosen[r]
        host = problem.requests[r][1]
        table = next(
            table
            for table in problem.host_tables[host]
            if (t, table) not in used and t not in problem.table_off.get(table, ())
        )
        used.add((t, table))
        placed[r] = (problem.slots[t], table)
    free: dict = defaultdict(int)  # host → meeting places left once locked meetings are in
    for (host, _t), n in problem.capacity.items():
        free[host] += n
    wanting: dict = defaultdict(int)  # host or startup → its requests still to place
    for r in problem.candidates:
        startup, host = problem.requests[r]
        wanting["host", host] += 1
        wanting["startup", startup] += 1
    unplaced = {r: _reason(problem, r, free, wanting) for r in problem.requests if r not in placed}
    return MeetingPlan(placed=dict(sorted(placed.items())), unplaced=unplaced)


def _reason(problem: _Problem, r, free: Mapping, wanting: Mapping) -> dict:
    startup, host = problem.requests[r]
    slots = len(problem.slots)
    if not problem.host_tables.get(host):
        return {"code": NO_TABLE, "host": host}
    startup_off = problem.startup_off.get(startup, set())
    if len(startup_off) >= slots:
        return {"code": STARTUP_UNAVAILABLE, "startup": startup}
    if not any((host, t) in problem.capacity for t in range(slots)):
        return {"code": HOST_UNAVAILABLE, "host": host}
    common = problem.candidates[r]
    if not common:
        return {"code": NO_COMMON_SLOT, "startup": startup, "host": host}
    if free[host] < wanting["host", host]:
        return {"code": HOST_SLOTS_EXHAUSTED, "host": host, "free": free[host], "requests": wanting["host", host]}
    near = problem.locked_slots.get(startup, ())
    open_ = [t for t in range(slots) if t not in startup_off and all(abs(t - u) >= problem.gap for u in near)]
    attendable, last = 0, None
    for t in open_:  # the most meetings that fit: earliest first, `gap` apart
        if last is None or t - last >= problem.gap:
            attendable, last = attendable + 1, t
    if attendable < wanting["startup", startup]:
        return {
            "code": STARTUP_SLOTS_EXHAUSTED,
            "startup": startup,
            "free": attendable,
            "requests": wanting["startup", startup],
        }
    return {"code": COMMON_SLOTS_TAKEN, "startup": startup, "host": host, "common": len(common)}
