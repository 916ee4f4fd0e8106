"""Retention purge at size: one program past its retention period with N applicants, each with an
account, a startup, answers, a file and a round result. Prints the dry run's and the purge's time and
number of queries (both must not grow with N).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/matchday_bench_privacy \\
        .venv/bin/python bench/privacy_purge.py --applicants 10000

The database named in DATABASE_URL is dropped and created (its name must start with matchday_bench).
Measured on the shared 2-core machine (PostgreSQL), 10,000 applicants: dry run 1.1–1.9 s / 16 queries,
purge 2.3–3.5 s / 36 queries (29 before the audit trail's redaction), no file left; 300 applicants: the
same numbers of queries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--applicants", type=int, default=5000)
    args = parser.parse_args()
    os.environ["PRIVATE_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="purge-bench-")
    import django
    from django.db import connections

    django.setup()
    from django.core.management import call_command
    from django.test.utils import CaptureQueriesContext

    database = connections["default"].settings_dict["NAME"]
    assert database.startswith("matchday_bench"), "the bench drops its database: name it matchday_bench_…"
    with connections["default"]._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{database}"')
        cursor.execute(f'CREATE DATABASE "{database}"')
    call_command("migrate", verbosity=0)
    n = args.applicants
    print(f"{n} applicants: building", flush=True)
    _fill(n)
    from privacy.services import retention_purge_dry_run, retention_purge_run

    connection = connections["default"]
    for label, run in (("dry run", retention_purge_dry_run), ("purge", retention_purge_run)):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = run()
            elapsed = time.perf_counter() - started
        print(f"{label}: {elapsed:.2f} s, {len(queries)} queries, {report['programs']}")
    left = sum(1 for path in Path(os.environ["PRIVATE_MEDIA_ROOT"]).rglob("*") if path.is_file())
    print(f"files left in storage: {left}")
    shutil.rmtree(os.environ["PRIVATE_MEDIA_ROOT"])


def _fill(n: int) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from accounts.models import User
    from matching.models import EvaluationRound, Program, Question, RoundResult, Track
    from privacy.models import PrivacyStatement
    from startups.models import Answer, Application, Attachment, Startup, StartupMember

    long_ago = timezone.now() - dt.timedelta(days=5 * 365)
    program = Program.objects.create(
        name_ko="벤치",
        slug="bench",
        host="bench",
        opens_at=long_ago - dt.timedelta(days=30),
        closes_at=long_ago,
        status=Program.Status.FINALISED,
        receipt_prefix="BENCH",
    )
    PrivacyStatement.objects.create(
        program=program, purpose_ko="평가", items_ko="이름", text_ko="전문", retention_months=12, published_at=long_ago
    )
    track = Track.objects.create(program=program, code="t", name_ko="트랙")
    question = Question.objects.create(program=program, code="q", kind="short_text", label_ko="질문")
    round_ = EvaluationRound.objects.create(
        program=program,
        order=1,
        name_ko="서면",
        opens_at=long_ago,
        closes_at=long_ago + dt.timedelta(days=7),
        advance_count=10,
    )
    users = User.objects.bulk_create([User(email=f"a{i}@example.com", name=f"지원자 {i}") for i in range(n)])
    startups = Startup.objects.bulk_create(
        [Startup(name_ko=f"회사 {i}", brn=None, ceo_name=f"대표 {i}") for i in range(n)]
    )
    StartupMember.objects.bulk_create([StartupMember(startup=s, user=u) for s, u in zip(startups, users, strict=True)])
    applications = Application.objects.bulk_create(
        [
            Application(
                program=program,
                startup=s,
                track=track,
                status="not_selected",
                receipt_number=f"BENCH-{i:05d}",
                first_submitted_at=long_ago,
                submitted_at=long_ago,
            )
            for i, s in enumerate(startups)
        ]
    )
    Answer.objects.bulk_create([Answer(application=a, question=question, value="답") for a in applications])
    attachments = []
    for a in applications:
        name = default_storage.save(f"applications/{a.pk}/deck.pdf", ContentFile(b"%PDF-1.4 bench"))
        attachments.append(
            Attachment(
                application=a,
                file=name,
                original_name="deck.pdf",
                content_type="application/pdf",
                size=14,
                sha256="0" * 64,
            )
        )
    Attachment.objects.bulk_create(attachments)
    RoundResult.objects.bulk_create(
        [
            RoundResult(round=round_, application=a, review_count=3, final_score="70", rank=i + 1)
            for i, a in enumerate(applications)
        ]
    )


if __name__ == "__main__":
    main()
