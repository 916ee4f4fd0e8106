"""Matching Day: 300 startups × 11 partners, 900 meetings in a 9:00–18:00 day of 20-minute slots.

DESIGN.md budget: "Matching Day: 900 meetings (300 startups × 11 partners) placed, 0 conflicts,
≤ 10 s". The script builds a seeded instance that is known to be feasible (a random plan is drawn
first: each startup meets 3 partners, each partner has 4 tables, 27 slots with a lunch break of 3
slots; the requests, tables and unavailabilities are derived from it and are consistent with it),
times the pure `matching.schedule.plan_meetings` on it, and rechecks the plan independently:
every request placed, no startup or table booked twice in a slot, the buffer kept, nothing where
its startup, host or table is unavailable, every meeting at its host's own table. No database.

    .venv/bin/python bench/matching_day.py
    .venv/bin/python bench/matching_day.py --buffer-slots 1 --seed 7
    .venv/bin/python bench/matching_day.py --force-solver    # time the fallback as if first fit fell 10% short

Exit status: 0 within budget and every check held; 1 over budget or a check failed; 3 the bench
could not run (bad options, OR-Tools missing).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict

from benchlib import BenchAborted, add_project_to_path, log, run_bench

SLOT_MINUTES = 20
SLOTS = 27  # 9:00–18:00
LUNCH = (9, 10, 11)  # 12:00–13:00: everyone unavailable


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Matching Day scheduler benchmark (pure, no database).")
    parser.add_argument("--startups", type=int, default=300)
    parser.add_argument("--partners", type=int, default=11)
    parser.add_argument("--meetings", type=int, default=3, help="meetings per startup (3)")
    parser.add_argument("--tables", type=int, default=4, help="tables per partner (4)")
    parser.add_argument("--buffer-slots", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--budget", type=float, default=10.0, help="seconds (10)")
    parser.add_argument(
        "--force-solver",
        action="store_true",
        help="time the fallback (repair, then CP-SAT) placing a tenth of the requests first fit placed",
    )
    return parser.parse_args(argv)


class Scenario:
    """A random feasible plan first, then the requests, tables and unavailabilities derived from it."""

    def __init__(self, args: argparse.Namespace) -> None:
        rng = random.Random(args.seed)
        gap = args.buffer_slots + 1
        self.slots = [f"{9 + t * SLOT_MINUTES // 60:02d}:{t * SLOT_MINUTES % 60:02d}" for t in range(SLOTS)]
        open_slots = [t for t in range(SLOTS) if t not in LUNCH]
        self.tables = {f"p{p:02d}-t{k}": f"p{p:02d}" for p in range(args.partners) for k in range(args.tables)}
        tables_of = defaultdict(list)
        for table, partner in sorted(self.tables.items()):
            tables_of[partner].append(table)
        held: set[tuple[int, str]] = set()  # (slot, table) of the known plan
        self.requests: dict[str, tuple[str, str]] = {}
        self.known: dict[str, tuple[int, str]] = {}
        for s in range(args.startups):
            startup = f"s{s:03d}"
            while True:
                partners = rng.sample(sorted(tables_of), args.meetings)
                mine: list[int] = []
                meetings = []
                for partner in partners:
                    options = [
                        (t, table)
                        for t in open_slots
                        if all(abs(t - u) >= gap for u in mine)
                        for table in tables_of[partner]
                        if (t, table) not in held
                    ]
                    if not options:
                        break
                    t, table = rng.choice(options)
                    mine.append(t)
                    meetings.append((partner, t, table))
                if len(meetings) == len(partners):
                    break
            for partner, t, table in meetings:
                request = f"{startup}-{partner}"
                self.requests[request] = (startup, partner)
                self.known[request] = (t, table)
                held.add((t, table))
        self.unavailable: set[tuple[str, str, str]] = set()
        for t in LUNCH:
            self.unavailable.update(("host", partner, self.slots[t]) for partner in tables_of)
            self.unavailable.update(("startup", f"s{s:03d}", self.slots[t]) for s in range(args.startups))
        busy = defaultdict(set)
        for request, (t, _table) in self.known.items():
            busy[self.requests[request][0]].add(t)
        for startup in sorted(busy):  # a third of the startups are away for an hour or two
            if rng.random() < 1 / 3:
                away = [t for t in open_slots if t not in busy[startup]]
                for t in rng.sample(away, rng.randint(3, 6)):
                    self.unavailable.add(("startup", startup, self.slots[t]))
        for table in sorted(self.tables):  # some tables are out for a while when the plan leaves them free
            if rng.random() < 0.25:
                for t in open_slots:
                    if (t, table) not in held and rng.random() < 0.3:
                        self.unavailable.add(("table", table, self.slots[t]))


def check(scenario: Scenario, plan, buffer_slots: int) -> list[str]:
    """Independent recheck of the plan against the instance."""
    errors = []
    index = {slot: t for t, slot in enumerate(scenario.slots)}
    if set(plan.placed) | set(plan.unplaced) != set(scenario.requests) or set(plan.placed) & set(plan.unplaced):
        errors.append("requests are not split exactly into placed and unplaced")
    if plan.unplaced:
        errors.append(f"{len(plan.unplaced)} requests unplaced, e.g. {sorted(plan.unplaced.items())[:3]}")
    tables_in_slot: set = set()
    startup_slots = defaultdict(list)
    for request, (slot, table) in plan.placed.items():
        startup, partner = scenario.requests[request]
        if scenario.tables.get(table) != partner:
            errors.append(f"{request} at {table}, not one of {partner}'s tables")
        if (slot, table) in tables_in_slot:
            errors.append(f"table {table} twice in slot {slot}")
        tables_in_slot.add((slot, table))
        for kind, ident in (("startup", startup), ("host", partner), ("table", table)):
            if (kind, ident, slot) in scenario.unavailable:
                errors.append(f"{request} in {slot} while {kind} {ident} is unavailable")
        startup_slots[startup].append(index[slot])
    for startup, ts in startup_slots.items():
        ts.sort()
        if any(b - a <= buffer_slots for a, b in zip(ts, ts[1:], strict=False)):
            errors.append(f"startup {startup} booked within {buffer_slots} slots of itself: {ts}")
    return errors


def idle_minutes(plan, scenario: Scenario) -> float:
    """The startups' mean idle time between their first and last meeting."""
    index = {slot: t for t, slot in enumerate(scenario.slots)}
    days = defaultdict(list)
    for request, (slot, _table) in plan.placed.items():
        days[scenario.requests[request][0]].append(index[slot])
    idle = [(max(ts) - min(ts) + 1 - len(ts)) * SLOT_MINUTES for ts in days.values()]
    return sum(idle) / max(1, len(idle))


def run(args: argparse.Namespace) -> int:
    if not 1 <= args.meetings <= args.partners or args.startups < 1 or args.buffer_slots < 0:
        raise BenchAborted("need 1 ≤ meetings ≤ partners, startups ≥ 1, buffer-slots ≥ 0")
    add_project_to_path()
    try:
        import ortools  # noqa: F401 - the solver path needs it; say so before timing anything
    except ImportError as error:
        raise BenchAborted(f"OR-Tools is not installed ({error})") from error
    from matching import schedule

    log("generating the scenario")
    scenario = Scenario(args)
    log(
        f"{len(scenario.requests)} requests, {len(scenario.slots)} slots, {len(scenario.tables)} tables, "
        f"{len(scenario.unavailable)} unavailabilities"
    )
    started = time.perf_counter()
    if args.force_solver:
        problem = schedule._prepare(
            scenario.requests, scenario.slots, scenario.tables, scenario.unavailable, {}, args.buffer_slots
        )
        # The path taken when first fit falls short, from first fit's plan with a tenth of it dropped: the
        # ejection-chain repair, then CP-SAT for whatever it leaves.
        first_fit = schedule._first_fit(problem)
        chosen = schedule._repair(problem, dict(sorted(first_fit.items())[len(first_fit) // 10 :]))
        if len(chosen) < len(problem.candidates):
            chosen = schedule._solve(problem, hint=chosen, compact=False)
        plan = schedule._plan(problem, chosen)
    else:
        plan = schedule.plan_meetings(
            scenario.requests,
            scenario.slots,
            scenario.tables,
            unavailable=scenario.unavailable,
            buffer_slots=args.buffer_slots,
        )
    seconds = time.perf_counter() - started
    errors = check(scenario, plan, args.buffer_slots)
    over = seconds > args.budget
    known_idle = idle_minutes(
        schedule.MeetingPlan(placed={r: (scenario.slots[t], table) for r, (t, table) in scenario.known.items()}),
        scenario,
    )
    print()
    print(
        f"Matching Day: {args.startups} startups × {args.partners} partners, {len(scenario.requests)} requests, "
        f"{SLOTS} slots of {SLOT_MINUTES} min, {args.tables} tables each, buffer {args.buffer_slots}"
        + (" (fallback forced)" if args.force_solver else "")
    )
    print(f"  placed                 {len(plan.placed)} of {len(scenario.requests)}")
    print(f"  conflicts              {sum(1 for error in errors if 'unplaced' not in error)}")
    print(f"  plan_meetings          {seconds:.2f} s   budget {args.budget:.0f} s: {'OVER' if over else 'ok'}")
    print(f"  ratio to budget        {seconds / args.budget:.1%}")
    print(f"  mean idle per startup  {idle_minutes(plan, scenario):.1f} min (the known plan: {known_idle:.1f} min)")
    for error in errors[:10]:
        print(f"  CHECK FAILED: {error}")
    failed = over or bool(errors)
    print(f"  result                 {'FAIL' if failed else 'pass'}")
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    return run_bench(run, parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
