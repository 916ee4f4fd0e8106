#!/usr/bin/env python3
"""Restore check: the backup procedure of deploy/BACKUP.md, done and undone once.

Dumps a database with `pg_dump --format=custom`, restores the dump into a fresh database with
`pg_restore`, and compares the row count of every table; with --media DIR, also packs DIR into a
tarball, unpacks it elsewhere and compares the files (names, sizes, SHA-256). Exits non-zero on any
difference. The restored database is dropped at the end (--keep keeps it).

The source is RESTORE_CHECK_SOURCE_URL, by default the database `matchday_prodcheck` that
`make prod-check` leaves behind; when that does not exist, `matchday_restorecheck_src` is made with
the demo data (migrate + seed_demo). The copy is `matchday_restorecheck`. Both are dropped at the end.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
TARGET_NAME = "matchday_restorecheck"
SEEDED_SOURCE_NAME = "matchday_restorecheck_src"


class CheckFailed(Exception):
    pass


def say(message: str) -> None:
    print(f"restore-check: {message}", flush=True)


def _with_name(url: str, name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise CheckFailed(f"unexpected database name {name!r}")
    return urlparse(url)._replace(path=f"/{name}").geturl()


def _name(url: str) -> str:
    return urlparse(url).path.lstrip("/")


def _admin(url: str):
    import psycopg

    return psycopg.connect(_with_name(url, "postgres"), autocommit=True)


def database_exists(url: str) -> bool:
    with _admin(url) as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [_name(url)]).fetchone() is not None


def recreate(url: str) -> None:
    name = _name(url)
    _with_name(url, name)  # validates the name
    with _admin(url) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {name}")


def drop(url: str) -> None:
    with _admin(url) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {_name(url)} WITH (FORCE)")


def row_counts(url: str) -> dict[str, int]:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {
            table: connection.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0]
            for table in tables
        }


def seed_source(url: str) -> None:
    recreate(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_DEBUG": "true"}
    env.pop("REDIS_URL", None)
    for command in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", *command], cwd=BASE_DIR, env=env, check=True, capture_output=True
        )


def pg_url(url: str) -> str:
    """libpq reads postgres:// URLs as they are."""
    return url


def files_of(root: Path) -> dict[str, tuple[int, str]]:
    return {
        str(path.relative_to(root)): (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def check_media(media: Path, tmp: Path) -> None:
    archive = tmp / "private-media.tar.gz"
    began = time.perf_counter()
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(media, arcname="private")
    restored = tmp / "restored"
    restored.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(restored, filter="data")
    before, after = files_of(media), files_of(restored / "private")
    if before != after:
        missing = sorted(set(before) - set(after))[:5]
        changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])[:5]
        raise CheckFailed(f"private files differ after the round trip: missing {missing}, changed {changed}")
    say(
        f"private files: {len(before)} files, {archive.stat().st_size / 1024:.0f} KiB archive, "
        f"identical after unpacking ({time.perf_counter() - began:.1f} s)"
    )


def check(*, keep: bool, media: Path | None) -> int:
    started = time.perf_counter()
    password = os.environ.get("PGPASSWORD", "postgres")
    default = f"postgres://postgres:{password}@127.0.0.1:5432/matchday_prodcheck"
    source = os.environ.get("RESTORE_CHECK_SOURCE_URL", default)
    target = _with_name(source, TARGET_NAME)
    tmp = Path(tempfile.mkdtemp(prefix="matchday-restorecheck-"))
    seeded = False
    try:
        if not database_exists(source):
            source = _with_name(source, SEEDED_SOURCE_NAME)
            target = _with_name(source, TARGET_NAME)
            began = time.perf_counter()
            seed_source(source)
            seeded = True
            say(f"made {SEEDED_SOURCE_NAME} with the demo data ({time.perf_counter() - began:.1f} s)")
        dump = tmp / "matchday.dump"
        began = time.perf_counter()
        subprocess.run(  # noqa: S603
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), pg_url(source)],  # noqa: S607
            check=True,
        )
        say(f"pg_dump {_name(source)}: {dump.stat().st_size / 1024:.0f} KiB ({time.perf_counter() - began:.1f} s)")
        began = time.perf_counter()
        recreate(target)
        subprocess.run(  # noqa: S603
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", pg_url(target), str(dump)],  # noqa: S607
            check=True,
        )
        say(f"pg_restore into {TARGET_NAME} ({time.perf_counter() - began:.1f} s)")
        before, after = row_counts(source), row_counts(target)
        differences = {
            t: (before.get(t), after.get(t)) for t in set(before) | set(after) if before.get(t) != after.get(t)
        }
        if differences:
            raise CheckFailed(f"row counts differ (source, restored): {differences}")
        if not before.get("django_migrations"):
            raise CheckFailed("the source has no migrations recorded: nothing was compared")
        say(f"{len(before)} tables, {sum(before.values())} rows: every table has the same count")
        if media is not None:
            check_media(media, tmp)
    except (CheckFailed, subprocess.CalledProcessError) as error:
        say(f"FAILED: {error}")
        return 1
    finally:
        if not keep:
            drop(target)
            if seeded:
                drop(source)
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"passed in {time.perf_counter() - started:.1f} s")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="restore_check.py",
        description="Dump a database (pg_dump, custom format), restore it into a fresh one and compare row counts.",
    )
    parser.add_argument("--media", type=Path, help="also round-trip this private-media directory through a tarball")
    parser.add_argument("--keep", action="store_true", help=f"keep the restored database {TARGET_NAME}")
    options = parser.parse_args(argv)
    return check(keep=options.keep, media=options.media)


if __name__ == "__main__":
    sys.exit(main())
