"""Stable matching: 5,000 startups × 50 partners with full preference lists, about 1,000 seats.

DESIGN.md budget: "Stable matching: 5,000 startups × 50 partners ≤ 1 s (pure); 305 × 11 job ≤ 2 s".
The script times the pure algorithm (`matching.stable.stable_match`, best of `--repeat` runs) on
seeded, correlated preferences where every startup ranks every partner and every partner ranks
every startup, and checks the result has no blocking pair and fills every seat. The second part,
the whole matching job on PostgreSQL (305 startups × 11 partners), runs once the job exists; until
then it prints "skipped: the matching job does not exist yet":

    .venv/bin/python bench/matching.py
    .venv/bin/python bench/matching.py --skip-database
    .venv/bin/python bench/matching.py --startups 1000 --partners 20 --seats 300 --skip-database

Exit status: 0 within budget and every check held; 1 over budget or a check failed; 3 the bench
could not run (PostgreSQL unreachable, bad options, the job's part of the bench not written yet).
Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import secrets
import sys
import time

from benchlib import (
    BASE_DIR,
    BenchAborted,
    close_connections,
    could_not_run,
    drop_database,
    log,
    migrate,
    parse_database_url,
    recreate_database,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matchday_bench_matching"
JOB_MODULE = "matching.services.matching"  # the service behind the matching job, once it is written


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Stable matching benchmark (pure algorithm, then the job).")
    parser.add_argument("--startups", type=int, default=5_000)
    parser.add_argument("--partners", type=int, default=50)
    parser.add_argument("--seats", type=int, default=1_000, help="seats over all partners (1000)")
    parser.add_argument("--repeat", type=int, default=3, help="time the algorithm this many times, keep the best (3)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--budget", type=float, default=1.0, help="seconds for the pure algorithm (1)")
    parser.add_argument("--job-startups", type=int, default=305)
    parser.add_argument("--job-partners", type=int, default=11)
    parser.add_argument("--job-budget", type=float, default=2.0, help="seconds for the whole matching job (2)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--skip-database", action="store_true", help="time the pure algorithm only")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------
# Data shared by both parts


class Scenario:
    """Full preference lists on both sides, correlated: each side has a shared opinion of the other
    (a quality per startup and per partner) plus a personal one, so popular partners are
    oversubscribed and many proposals are turned down, as on a real Matching Day."""

    def __init__(self, *, startups: int, partners: int, seats: int, seed: int) -> None:
        rng = random.Random(seed)
        startup_ids = list(range(1, startups + 1))
        partner_ids = list(range(1, partners + 1))
        partner_quality = {p: rng.random() for p in partner_ids}
        startup_quality = {s: rng.random() for s in startup_ids}
        self.startup_prefs = {
            s: sorted(partner_ids, key=lambda p: -(partner_quality[p] + 0.5 * rng.random())) for s in startup_ids
        }
        self.partner_prefs = {
            p: sorted(startup_ids, key=lambda s: -(startup_quality[s] + 0.5 * rng.random())) for p in partner_ids
        }
        # Seats in proportion to random weights, rounded down, the rest handed out one by one.
        weights = {p: rng.uniform(0.5, 1.5) for p in partner_ids}
        total = sum(weights.values())
        self.capacities = {p: int(seats * weights[p] / total) for p in partner_ids}
        for p in rng.sample(partner_ids, seats - sum(self.capacities.values())):
            self.capacities[p] += 1


def run_algorithm(args: argparse.Namespace, scenario: Scenario) -> dict:
    from matching.stable import blocking_pairs, stable_match

    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        result = stable_match(scenario.startup_prefs, scenario.partner_prefs, scenario.capacities)
        times.append(time.perf_counter() - started)
    started = time.perf_counter()
    blocking = blocking_pairs(scenario.startup_prefs, scenario.partner_prefs, scenario.capacities, result.assignment)
    check_seconds = time.perf_counter() - started
    seats = sum(scenario.capacities.values())
    errors = []
    if blocking:
        errors.append(f"{len(blocking)} blocking pairs, e.g. {blocking[:3]}")
    if len(result.assignment) != min(seats, len(scenario.startup_prefs)):
        errors.append(f"{len(result.assignment)} startups matched to {seats} seats")
    if any(filled > capacity for filled, capacity in result.seats.values()):
        errors.append("a partner holds more startups than seats")
    codes: dict[str, int] = {}
    for reason in result.unmatched.values():
        codes[reason["code"]] = codes.get(reason["code"], 0) + 1
    return {
        "best": min(times),
        "times": times,
        "matched": len(result.assignment),
        "seats": seats,
        "unmatched": codes,
        "blocking": len(blocking),
        "check_seconds": check_seconds,
        "errors": errors,
    }


# --------------------------------------------------------------------------------------------
# The matching job on PostgreSQL


def job_exists() -> bool:
    try:
        return importlib.util.find_spec(JOB_MODULE) is not None
    except ModuleNotFoundError:
        return False


def run_job(args: argparse.Namespace) -> dict:
    """The whole matching job for `--job-startups` × `--job-partners` on PostgreSQL: load the
    preferences, pins and conflicts, run `stable_match`, write the result and the reasons.

    To write once the job exists (Django is set up and migrated by then): build in bulk a program
    with `--job-startups` selected startups that rank the partners, `--job-partners` partners with
    seats that rank the finalists, a few pins and conflicts; time the job's service with its
    queries counted; check the rows it wrote have no blocking pair (`matching.stable.blocking_pairs`)
    and that every unmatched startup has a reason; return {"seconds", "queries", "errors", …}.
    """
    raise BenchAborted(f"{JOB_MODULE} exists, but bench/matching.py does not build the job's data yet (run_job)")


def run_job_phase(args: argparse.Namespace) -> dict | None:
    """The job's figures, or None when the job does not exist yet or `--skip-database` was given."""
    if args.skip_database:
        return None
    if not job_exists():
        log("skipped: the matching job does not exist yet")
        return None
    db = parse_database_url(args.database_url)
    recreate_database(db)
    try:
        setup_django(
            db.url, DJANGO_DEBUG="false", DJANGO_SECRET_KEY=secrets.token_urlsafe(40), EMAIL_URL="memorymail://"
        )
        log("migrating")
        migrate()
        return run_job(args)
    finally:
        if not args.keep:
            close_connections()
            try:
                drop_database(db)
            except BenchAborted as error:
                print(f"could not drop the bench database: {error}", file=sys.stderr)


def row(label: str, value: object) -> None:
    print(f"  {label:<30}{value}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.startups < 1 or args.partners < 1 or args.seats < 0 or args.repeat < 1:
        print("need startups ≥ 1, partners ≥ 1, seats ≥ 0 and repeat ≥ 1", file=sys.stderr)
        return 3
    # The project before bench/ on the path, whatever PYTHONPATH says: this file is called
    # matching.py, and `import matching.stable` must find the app, not this script.
    sys.path.insert(0, str(BASE_DIR))
    try:
        log(f"generating {args.startups} startups × {args.partners} partners, full lists, {args.seats} seats")
        scenario = Scenario(startups=args.startups, partners=args.partners, seats=args.seats, seed=args.seed)
        log(f"running stable_match {args.repeat} times")
        algorithm = run_algorithm(args, scenario)
        job = run_job_phase(args)
    except BenchAborted as error:
        return could_not_run(error)

    over = algorithm["best"] > args.budget
    failed = over or bool(algorithm["errors"])
    capacities = scenario.capacities.values()
    print()
    print(f"Stable matching: {args.startups} startups × {args.partners} partners, full preference lists")
    row("seats", f"{algorithm['seats']} ({min(capacities)}..{max(capacities)} per partner)")
    row(
        f"stable_match, best of {args.repeat}",
        f"{algorithm['best']:.3f} s (runs: {', '.join(f'{t:.3f}' for t in algorithm['times'])})   "
        f"budget {args.budget:g} s: {algorithm['best'] / args.budget:.0%} of it, {'OVER' if over else 'ok'}",
    )
    row("matched", algorithm["matched"])
    row("unmatched by reason", algorithm["unmatched"])
    row("blocking pairs", f"{algorithm['blocking']} (checked in {algorithm['check_seconds']:.3f} s)")
    for error in algorithm["errors"]:
        print(f"  CHECK FAILED: {error}")
    job_label = f"job {args.job_startups} × {args.job_partners} (PostgreSQL)"
    if job is None:
        row(job_label, f"skipped: {'--skip-database' if args.skip_database else 'the matching job does not exist yet'}")
    else:
        job_over = job["seconds"] > args.job_budget
        failed = failed or job_over or bool(job["errors"])
        row(
            job_label,
            f"{job['seconds']:.2f} s, {job['queries']} queries   budget {args.job_budget:g} s: "
            f"{job['seconds'] / args.job_budget:.0%} of it, {'OVER' if job_over else 'ok'}",
        )
        for error in job["errors"]:
            print(f"  CHECK FAILED: {error}")
    row("result", "FAIL" if failed else "pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
