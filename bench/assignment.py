"""Auto-assignment: 10,000 applications, 200 evaluators, k = 3, some pairs conflicted.

DESIGN.md budget: "Auto-assignment: 10,000 applications, 200 evaluators, k = 3 in ≤ 10 s". The
script times the pure algorithm (`matching.assignment.assign`) on generated data, then builds a
PostgreSQL database with the same shape and times the whole service (`assignments_create`:
conflict detection, loading, the algorithm, writing 30,000 rows, the audit event):

    .venv/bin/python bench/assignment.py
    .venv/bin/python bench/assignment.py --applications 2000 --evaluators 60 --skip-database

Exit status: 0 within budget and every check held; 1 over budget or a check failed; 3 the bench
could not run (PostgreSQL unreachable, bad options). Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import random
import secrets
import sys
import time
from collections import Counter

from benchlib import (
    BenchAborted,
    add_project_to_path,
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

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/matchday_bench_assignment"
SECTORS = 24
ORGANISATIONS = 60  # evaluators come from this many organisations (shared e-mail domains)
UNUSABLE = "!bench"  # an unusable password hash: nobody logs in to the bench database
PUBLIC_DOMAINS = ("gmail.com", "naver.com", "daum.net", "kakao.com")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Auto-assignment benchmark (pure algorithm and service).")
    parser.add_argument("--applications", type=int, default=10_000)
    parser.add_argument("--evaluators", type=int, default=200)
    parser.add_argument("-k", type=int, default=3)
    parser.add_argument("--conflict-rate", type=float, default=0.02, help="share of pairs declared conflicted (0.02)")
    parser.add_argument(
        "--colleague-share",
        type=float,
        default=0.01,
        help="share of startups with a member from an evaluator's organisation (e-mail domain conflicts)",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument(
        "--panels", type=int, default=0, help="split the round into this many panels, one track each (0: no panels)"
    )
    parser.add_argument("--budget", type=float, default=10.0, help="seconds for the whole service (10)")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL, help=f"({DEFAULT_DATABASE_URL})")
    parser.add_argument("--skip-database", action="store_true", help="time the pure algorithm only")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


# --------------------------------------------------------------------------------------------
# Data shared by both parts


class Scenario:
    """Plain data: sectors per application, expertise and e-mail per evaluator, conflicted pairs."""

    def __init__(self, args: argparse.Namespace) -> None:
        rng = random.Random(args.seed)
        self.applications = {i: set(rng.sample(range(SECTORS), rng.randint(1, 3))) for i in range(args.applications)}
        self.evaluators = {j: set(rng.sample(range(SECTORS), rng.randint(1, 4))) for j in range(args.evaluators)}
        self.evaluator_email = {j: f"judge{j}@org{j % ORGANISATIONS}.or.kr" for j in range(args.evaluators)}
        # A member e-mail per startup: mostly public mail services or the startup's own domain; a few
        # work at an evaluator's organisation (a colleague: conflict by e-mail domain).
        self.member_email = {}
        for i in self.applications:
            roll = rng.random()
            if roll < args.colleague_share:
                domain = f"org{rng.randrange(min(ORGANISATIONS, args.evaluators))}.or.kr"
            elif roll < 0.6:
                domain = rng.choice(PUBLIC_DOMAINS)
            else:
                domain = f"startup{i}.co.kr"
            self.member_email[i] = f"ceo{i}@{domain}"
        pool = list(self.evaluators)
        expected = args.conflict_rate * len(pool)
        self.declared: set[tuple[int, int]] = set()
        for i in self.applications:
            count = min(len(pool), int(expected) + (rng.random() < expected - int(expected)))
            self.declared.update((j, i) for j in rng.sample(pool, count))
        by_domain: dict[str, list[int]] = {}
        for j, email in self.evaluator_email.items():
            by_domain.setdefault(email.split("@")[1], []).append(j)
        self.colleague_pairs = {
            (j, i) for i, email in self.member_email.items() for j in by_domain.get(email.split("@")[1], ())
        }
        self.forbidden = self.declared | self.colleague_pairs


def overlap_share(pairs, applications, evaluators) -> float:
    return sum(bool(applications[a] & evaluators[e]) for a, e in pairs) / max(1, len(pairs))


def run_algorithm(args: argparse.Namespace, scenario: Scenario) -> dict:
    from matching.assignment import assign, assign_by_panel, check_plan

    started = time.perf_counter()
    if args.panels:  # application i is in track i mod P, evaluator j on panel j mod P
        plan = assign_by_panel(
            applications=scenario.applications,
            evaluators=scenario.evaluators,
            panel_of={a: i % args.panels for i, a in enumerate(scenario.applications)},
            panels={
                p: [e for j, e in enumerate(scenario.evaluators) if j % args.panels == p] for p in range(args.panels)
            },
            k=args.k,
            forbidden=scenario.forbidden,
            seed=args.seed,
        )
    else:
        plan = assign(
            applications=scenario.applications,
            evaluators=scenario.evaluators,
            k=args.k,
            forbidden=scenario.forbidden,
            seed=args.seed,
        )
    seconds = time.perf_counter() - started
    if not plan.ok:
        return {"seconds": seconds, "ok": False, "problems": plan.problems[:5]}
    errors = check_plan(
        plan, applications=scenario.applications, evaluators=scenario.evaluators, k=args.k, forbidden=scenario.forbidden
    )
    if args.panels:  # each application from its own panel only
        members = {e: j % args.panels for j, e in enumerate(scenario.evaluators)}
        position = {a: i for i, a in enumerate(scenario.applications)}
        if any(members[e] != position[a] % args.panels for a, e in plan.pairs):
            errors.append("an application was given an evaluator of another panel")
    # The same problem with nobody's expertise known: a balanced assignment by seeded chance alone.
    blind = assign(
        applications=dict.fromkeys(scenario.applications, ()),
        evaluators=dict.fromkeys(scenario.evaluators, ()),
        k=args.k,
        forbidden=scenario.forbidden,
        seed=args.seed,
    )
    return {
        "seconds": seconds,
        "ok": not errors,
        "errors": errors[:5],
        "load_min": min(plan.loads.values()),
        "load_max": max(plan.loads.values()),
        "overlap": overlap_share(plan.pairs, scenario.applications, scenario.evaluators),
        "random_overlap": overlap_share(blind.pairs, scenario.applications, scenario.evaluators),
    }


# --------------------------------------------------------------------------------------------
# Database


def fill_database(args: argparse.Namespace, scenario: Scenario):
    """Everything in bulk: sectors, users, evaluators with expertise, a program with a round in
    `assigning` and its pool, startups with sectors and a member, applications in review, declared
    conflicts. Returns the round and a staff user."""
    from django.utils import timezone

    from accounts.models import User
    from matching import models as m
    from startups import models as s

    now = timezone.now()
    sectors = s.Sector.objects.bulk_create(
        [s.Sector(code=f"sector-{n}", name_ko=f"분야 {n}", name_en=f"Sector {n}") for n in range(SECTORS)]
    )
    staff = User.objects.create(email="staff@bench.local", is_staff=True, is_superuser=True, password=UNUSABLE)
    judges = User.objects.bulk_create(
        [User(email=scenario.evaluator_email[j], password=UNUSABLE) for j in scenario.evaluators], batch_size=5000
    )
    founders = User.objects.bulk_create(
        [User(email=scenario.member_email[i], password=UNUSABLE) for i in scenario.applications], batch_size=5000
    )
    evaluators = m.Evaluator.objects.bulk_create([m.Evaluator(user=user, organisation="bench") for user in judges])
    m.Evaluator.expertise.through.objects.bulk_create(
        [
            m.Evaluator.expertise.through(evaluator_id=evaluators[j].pk, sector_id=sectors[tag].pk)
            for j, tags in scenario.evaluators.items()
            for tag in tags
        ],
        batch_size=5000,
    )
    program = m.Program.objects.create(
        name_ko="벤치마크 프로그램",
        slug="bench-assignment",
        host="bench",
        opens_at=now - dt.timedelta(days=30),
        closes_at=now - dt.timedelta(days=1),
        receipt_prefix="BENCH",
        status=m.Program.Status.REVIEWING,
    )
    tracks = [
        m.Track.objects.create(program=program, code=f"track-{n}", name_ko=f"트랙 {n}")
        for n in range(max(1, args.panels))
    ]
    evaluation_round = m.EvaluationRound.objects.create(
        program=program,
        order=1,
        name_ko="서면평가",
        opens_at=now,
        closes_at=now + dt.timedelta(days=7),
        evaluators_per_application=args.k,
        advance_count=40,
        status=m.EvaluationRound.Status.ASSIGNING,
    )
    m.Criterion.objects.create(round=evaluation_round, code="tech", label_ko="기술성", weight=1, max_score=10)
    evaluation_round.evaluators.add(*evaluators)
    for n in range(args.panels):  # evaluator j on panel j mod P, serving track n
        panel = m.Panel.objects.create(round=evaluation_round, name_ko=f"분과 {n}")
        panel.tracks.add(tracks[n])
        panel.evaluators.add(*evaluators[n :: args.panels])
    startups = s.Startup.objects.bulk_create(
        [s.Startup(name_ko=f"스타트업 {i}", ceo_name="대표", brn=None) for i in scenario.applications],
        batch_size=5000,
    )
    s.Startup.sectors.through.objects.bulk_create(
        [
            s.Startup.sectors.through(startup_id=startups[i].pk, sector_id=sectors[tag].pk)
            for i, tags in scenario.applications.items()
            for tag in tags
        ],
        batch_size=10000,
    )
    s.StartupMember.objects.bulk_create(
        [
            s.StartupMember(startup=startups[i], user=founders[i], role=s.StartupMember.Role.OWNER)
            for i in scenario.applications
        ],
        batch_size=5000,
    )
    s.Application.objects.bulk_create(
        [
            s.Application(
                program=program,
                startup=startups[i],
                track=tracks[position % len(tracks)],
                status=s.Application.Status.IN_REVIEW,
                receipt_number=f"BENCH-{i + 1:05d}",
                first_submitted_at=now,
                submitted_at=now,
            )
            for position, i in enumerate(scenario.applications)
        ],
        batch_size=5000,
    )
    m.Conflict.objects.bulk_create(
        [
            m.Conflict(evaluator=evaluators[j], startup=startups[i], source=m.Conflict.Source.DECLARED, reason="bench")
            for j, i in sorted(scenario.declared)
        ],
        batch_size=10000,
    )
    return evaluation_round, staff


def run_service(args: argparse.Namespace, scenario: Scenario) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from config.celery import app
    from matching.models import Assignment, Conflict
    from matching.services.assignment import assignments_create

    # The evaluators' e-mails are a worker's job, not the service's: queue them (in memory) instead
    # of sending them inside the timed call, as tasks do without a broker.
    app.conf.task_always_eager = False
    log("migrating")
    migrate()
    log("filling the database")
    evaluation_round, staff = fill_database(args, scenario)
    analyze()
    log(f"running assignments_create on {args.applications} applications, {args.evaluators} evaluators, k={args.k}")
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        report = assignments_create(round=evaluation_round, by=staff, seed=args.seed)
    seconds = time.perf_counter() - started

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as again_queries:
        again = assignments_create(round=evaluation_round, by=staff, seed=args.seed)
    again_seconds = time.perf_counter() - started

    rows = list(Assignment.objects.filter(round=evaluation_round).values_list("application_id", "evaluator_id"))
    per_application = Counter(app for app, _e in rows)
    conflicted = set(Conflict.objects.values_list("evaluator_id", "startup_id"))
    startup_of = dict(evaluation_round.program.applications.values_list("pk", "startup_id"))
    errors = []
    if len(per_application) != args.applications or set(per_application.values()) != {args.k}:
        errors.append("not every application has exactly k evaluators")
    if len(set(rows)) != len(rows):
        errors.append("a pair was written twice")
    if any((e, startup_of[a]) in conflicted for a, e in rows):
        errors.append("a conflicted pair was assigned")
    loads = Counter(e for _a, e in rows)
    if max(loads.values()) - min(loads.values()) > 1:
        errors.append("loads differ by more than one")
    if again.created:
        errors.append("the second run added assignments")
    colleague_conflicts = Conflict.objects.filter(source=Conflict.Source.EMAIL_DOMAIN).count()
    return {
        "seconds": seconds,
        "queries": len(queries),
        "created": report.created,
        "load_min": min(loads.values()),
        "load_max": max(loads.values()),
        "overlap": report.overlap_share,
        "conflicts_detected": report.conflicts_detected,
        "colleague_conflicts": colleague_conflicts,
        "again_seconds": again_seconds,
        "again_queries": len(again_queries),
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.k < 1 or args.evaluators < args.k or args.applications < 1:
        print("need applications ≥ 1 and evaluators ≥ k ≥ 1", file=sys.stderr)
        return 3
    db = None
    try:
        if not args.skip_database:
            db = parse_database_url(args.database_url)
            recreate_database(db)
            setup_django(
                db.url,
                DJANGO_DEBUG="false",
                DJANGO_SECRET_KEY=secrets.token_urlsafe(40),
                # Production settings refuse to load without a key for the encrypted fields.
                FIELD_ENCRYPTION_KEYS=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
                EMAIL_URL="memorymail://",
                LOG_LEVEL="WARNING",
            )
        else:
            add_project_to_path()
        log("generating the scenario")
        scenario = Scenario(args)
        pairs = len(scenario.applications) * len(scenario.evaluators)
        log(
            f"{len(scenario.forbidden)} conflicted pairs ({len(scenario.forbidden) / pairs:.2%}): "
            f"{len(scenario.declared)} declared, {len(scenario.colleague_pairs)} by e-mail domain"
        )
        algorithm = run_algorithm(args, scenario)
        service = run_service(args, scenario) if not args.skip_database else None
    except BenchAborted as error:
        return could_not_run(error)
    finally:
        if db is not None and not args.keep:
            close_connections()
            try:
                drop_database(db)
            except BenchAborted as error:
                print(f"could not drop the bench database: {error}", file=sys.stderr)

    failed = not algorithm["ok"]
    print()
    print(f"Auto-assignment: {args.applications} applications, {args.evaluators} evaluators, k = {args.k}")
    print(f"  conflicted pairs            {len(scenario.forbidden) / pairs:.2%}")
    if not algorithm["ok"]:
        print(f"  ALGORITHM FAILED            {algorithm.get('problems') or algorithm.get('errors')}")
    else:
        print(f"  algorithm alone             {algorithm['seconds']:.2f} s")
        print(f"  loads                       {algorithm['load_min']}..{algorithm['load_max']}")
        print(
            f"  expertise overlap           {algorithm['overlap']:.1%} of pairs "
            f"(a random balanced assignment: {algorithm['random_overlap']:.1%})"
        )
    if service is not None:
        over = service["seconds"] > args.budget
        failed = failed or over or bool(service["errors"])
        print(
            f"  whole service (PostgreSQL)  {service['seconds']:.2f} s, {service['queries']} queries, "
            f"{service['created']} assignments written   budget {args.budget:.0f} s: {'OVER' if over else 'ok'}"
        )
        print(f"  loads in the database       {service['load_min']}..{service['load_max']}")
        print(f"  expertise overlap           {service['overlap']:.1%}")
        print(
            f"  conflicts detected          {service['conflicts_detected']} new "
            f"({service['colleague_conflicts']} by e-mail domain)"
        )
        print(
            f"  second run                  {service['again_seconds']:.2f} s, {service['again_queries']} queries, "
            "nothing added"
            if not service["errors"]
            else ""
        )
        for error in service["errors"]:
            print(f"  CHECK FAILED: {error}")
    print(f"  result                      {'FAIL' if failed else 'pass'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
