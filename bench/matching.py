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
from unittest import mock

from benchlib import (
    BASE_DIR,
    BenchAborted,
    analyze,
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
    parser.add_argument("--job-seats", type=int, default=110, help="seats over all partners in the job (110)")
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


def _build_program(args: argparse.Namespace, scenario: Scenario):
    """A finalised program with `--job-startups` selected startups that rank every partner and
    `--job-partners` partners with seats, all but the last ranking every finalist in a submitted
    ranking (the last ranks by a round's results), plus a few pins and conflicts. All in bulk."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from matching.models import (
        EvaluationRound,
        MatchingConstraint,
        Partner,
        PartnerRanking,
        PartnerRankingEntry,
        Program,
        ProgramPartner,
        RoundResult,
        SelectionEntry,
        Track,
    )
    from startups.models import Application, PartnerPreference, Startup

    now = timezone.now()
    staff = User.objects.create(email="bench-staff@example.com", is_staff=True, is_superuser=True)
    program = Program.objects.create(
        name_ko="벤치 매칭 프로그램",
        name_en="Bench matching program",
        slug="bench-matching",
        host="bench",
        opens_at=now - dt.timedelta(days=90),
        closes_at=now - dt.timedelta(days=60),
        quota=args.job_startups,
        receipt_prefix="BENCH",
        status=Program.Status.FINALISED,
    )
    track = Track.objects.create(program=program, code="general", name_ko="일반", name_en="General")
    partners = Partner.objects.bulk_create(
        [Partner(name=f"Partner {p}", slug=f"bench-partner-{p}") for p in sorted(scenario.capacities)]
    )
    partner_of = dict(zip(sorted(scenario.capacities), partners, strict=True))
    panel = EvaluationRound.objects.create(
        program=program,
        order=1,
        name_ko="파트너 발표평가",
        name_en="Partner pitch",
        opens_at=now - dt.timedelta(days=50),
        closes_at=now - dt.timedelta(days=40),
        advance_count=args.job_startups,
        status=EvaluationRound.Status.PUBLISHED,
    )
    by_round = sorted(scenario.capacities)[-1]
    ProgramPartner.objects.bulk_create(
        [
            ProgramPartner(
                program=program,
                partner=partner_of[p],
                seats=max(seats, 1),
                ranking_round=panel if p == by_round else None,
            )
            for p, seats in sorted(scenario.capacities.items())
        ]
    )
    startups = Startup.objects.bulk_create(
        [
            Startup(name_ko=f"벤치 스타트업 {s:04d}", name_en=f"Bench startup {s:04d}", ceo_name="대표")
            for s in sorted(scenario.startup_prefs)
        ],
        batch_size=1000,
    )
    applications = Application.objects.bulk_create(
        [
            Application(
                program=program,
                startup=startup,
                track=track,
                status=Application.Status.SELECTED,
                receipt_number=f"BENCH-{i:05d}",
                first_submitted_at=now - dt.timedelta(days=70),
                submitted_at=now - dt.timedelta(days=70),
            )
            for i, startup in enumerate(startups, 1)
        ],
        batch_size=1000,
    )
    application_of = dict(zip(sorted(scenario.startup_prefs), applications, strict=True))
    SelectionEntry.objects.bulk_create(
        [
            SelectionEntry(program=program, application=a, outcome=SelectionEntry.Outcome.SELECTED, position=i)
            for i, a in enumerate(applications, 1)
        ],
        batch_size=1000,
    )
    PartnerPreference.objects.bulk_create(
        [
            PartnerPreference(application=application_of[s], partner=partner_of[p], rank=rank)
            for s, prefs in scenario.startup_prefs.items()
            for rank, p in enumerate(prefs, 1)
        ],
        batch_size=5000,
    )
    rankings = PartnerRanking.objects.bulk_create(
        [
            PartnerRanking(
                program=program,
                partner=partner_of[p],
                status=PartnerRanking.Status.SUBMITTED,
                submitted_at=now,
                submitted_by=staff,
            )
            for p in sorted(scenario.partner_prefs)
            if p != by_round
        ]
    )
    ranking_of = {r.partner_id: r for r in rankings}
    PartnerRankingEntry.objects.bulk_create(
        [
            PartnerRankingEntry(ranking=ranking_of[partner_of[p].pk], application=application_of[s], rank=rank)
            for p, prefs in scenario.partner_prefs.items()
            if p != by_round
            for rank, s in enumerate(prefs, 1)
        ],
        batch_size=5000,
    )
    RoundResult.objects.bulk_create(
        [
            RoundResult(round=panel, application=application_of[s], rank=rank, final_score=1000 - rank)
            for rank, s in enumerate(scenario.partner_prefs[by_round], 1)
        ],
        batch_size=1000,
    )
    # Pins: the three least wanted startups, each to its first choice among the partners with most seats.
    roomy = sorted(scenario.capacities, key=lambda p: (-scenario.capacities[p], p))
    last = sorted(scenario.startup_prefs)[-3:]
    constraints = [
        MatchingConstraint(
            program=program, application=application_of[s], partner=partner_of[roomy[i]], kind="pinned", reason="bench"
        )
        for i, s in enumerate(last)
    ]
    # Conflicts: five startups may not go to their first choice.
    constraints += [
        MatchingConstraint(
            program=program,
            application=application_of[s],
            partner=partner_of[scenario.startup_prefs[s][0]],
            kind="forbidden",
            reason="bench",
        )
        for s in sorted(scenario.startup_prefs)[:5]
    ]
    MatchingConstraint.objects.bulk_create(constraints)
    return program, staff


def run_job(args: argparse.Namespace) -> dict:
    """The whole matching job for `--job-startups` × `--job-partners` on PostgreSQL: load the
    preferences, pins and conflicts, run `stable_match`, write the result and the reasons.

    Builds in bulk a program with `--job-startups` selected startups that rank every partner and
    `--job-partners` partners with `--job-seats` seats in all that rank every finalist (one of them by
    a round's results), three pins and five conflicts; starts the job as staff do
    (the job `matching_run_start` makes) and times the worker's part (`api.jobs.job_run`: the runner, the service,
    the writes) with its queries counted; runs it again (the same inputs give the same run); checks
    the stored run has no blocking pair, respects the seats and gives every unmatched startup a reason.
    """
    import api.runners  # noqa: F401 — registers the job's runner
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from api.tasks import run_job as run_job_task
    from jobs.services import job_run
    from matching.models import MatchingRun
    from matching.services.matching import _as_algorithm_input, matching_run_start
    from matching.stable import blocking_pairs

    scenario = Scenario(
        startups=args.job_startups, partners=args.job_partners, seats=args.job_seats, seed=args.seed + 1
    )
    log(f"building {args.job_startups} selected startups × {args.job_partners} partners, {args.job_seats} seats")
    with transaction.atomic():
        program, staff = _build_program(args, scenario)
    analyze()

    def timed_job() -> tuple[float, int, object]:
        # The job as staff start it, kept from the queue (or from running eagerly without Redis): the
        # worker's part (`job_run`) is timed here, in this process.
        with mock.patch.object(run_job_task, "delay"):
            job = matching_run_start(program=program, by=staff)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            job = job_run(job_id=job.pk)
            seconds = time.perf_counter() - started
        return seconds, len(queries), job

    log("running the matching job")
    seconds, queries, job = timed_job()
    log("running it again (same inputs)")
    again_seconds, again_queries, again = timed_job()

    errors = []
    if job.status != "succeeded":
        errors.append(f"the job {job.status}: {job.error}")
        return {"seconds": seconds, "queries": queries, "errors": errors}
    run = MatchingRun.objects.get(pk=job.result["run_id"])
    data = _as_algorithm_input(run.inputs)
    assignment = {int(a): p for a, p in run.assignment.items()}
    blocking = blocking_pairs(
        data["startup_prefs"],
        data["partner_prefs"],
        data["capacities"],
        assignment,
        forbidden=data["forbidden"],
        pinned=data["pinned"],
    )
    if blocking or run.blocking_pairs:
        errors.append(f"{len(blocking)} blocking pairs, e.g. {blocking[:3]}")
    filled: dict[int, int] = {}
    for partner in assignment.values():
        filled[partner] = filled.get(partner, 0) + 1
    if any(filled.get(p, 0) > seats for p, seats in data["capacities"].items()):
        errors.append("a partner holds more startups than seats")
    if set(assignment) | {int(a) for a in run.unmatched} != set(data["startup_prefs"]):
        errors.append("a selected startup is neither matched nor given a reason")
    if any(not reason.get("code") for reason in run.unmatched.values()):
        errors.append("an unmatched startup has no reason code")
    if again.result.get("run_id") != run.pk or MatchingRun.objects.count() != 1:
        errors.append("running again with the same inputs stored a second run")
    codes: dict[str, int] = {}
    for reason in run.unmatched.values():
        codes[reason["code"]] = codes.get(reason["code"], 0) + 1
    return {
        "seconds": seconds,
        "queries": queries,
        "again_seconds": again_seconds,
        "again_queries": again_queries,
        "matched": len(assignment),
        "seats": sum(data["capacities"].values()),
        "unmatched": codes,
        "errors": errors,
    }


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
        if "matched" in job:
            row("  matched / seats", f"{job['matched']} / {job['seats']}")
            row("  unmatched by reason", job["unmatched"])
            row("  again, same inputs", f"{job['again_seconds']:.2f} s, {job['again_queries']} queries (run reused)")
        for error in job["errors"]:
            print(f"  CHECK FAILED: {error}")
    row("result", "FAIL" if failed else "pass")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
