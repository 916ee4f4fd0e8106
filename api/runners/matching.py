"""The runner of the `matching.run` job: one matching run of a program (`matching.services.matching`)."""

from __future__ import annotations

from typing import Any

from api.jobs import job_runner
from api.models import Job
from matching.services.matching import matching_run


@job_runner(Job.Kind.MATCHING)
def run_matching(*, params: dict[str, Any], by: Any) -> dict[str, Any]:
    """The job's result names the run it stored (or reused: the same inputs give the same run)."""
    run = matching_run(program_id=params["program_id"], by=by, job_id=params.get("job_id"))
    return {
        "run_id": run.pk,
        "fingerprint": run.fingerprint,
        "matched": len(run.assignment),
        "unmatched": len(run.unmatched),
        "blocking_pairs": len(run.blocking_pairs),
        "published": run.published_at is not None,
    }
