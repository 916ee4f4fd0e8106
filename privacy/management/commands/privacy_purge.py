"""`manage.py privacy_purge [--dry-run]`: destroy the personal data of programs past their retention period."""

from django.core.management.base import BaseCommand

from jobs.models import Job
from privacy.services import retention_purge_dry_run, retention_purge_start


class Command(BaseCommand):
    help = "Destroy the personal data of programs past their retention period (as a job); --dry-run counts it."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Print what would be destroyed, change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            self._print(retention_purge_dry_run(), prefix="would destroy")
            return
        job = retention_purge_start(by="manage.py privacy_purge")
        job.refresh_from_db()
        self.stdout.write(f"job #{job.pk}: {job.get_status_display()}")
        if job.status == Job.Status.SUCCEEDED:
            self._print(job.result, prefix="destroyed")

    def _print(self, report: dict, *, prefix: str) -> None:
        kinds = ("users", "startups", "answers", "files")
        for row in report["programs"]:
            counts = ", ".join(f"{kind}={row[kind]}" for kind in kinds)
            self.stdout.write(f"{row['program']}: {prefix} {counts}")
        if not report["programs"]:
            self.stdout.write("no program is past its retention period")
        self.stdout.write(f"expired exports: {report['expired_exports']}")
