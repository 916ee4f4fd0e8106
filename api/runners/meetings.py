"""The runner of the `meetings.schedule` job: plans and writes an event's meetings with the service
the admin and the API start it through."""

from __future__ import annotations

from typing import Any

from api.jobs import job_runner
from api.models import Job
from matching.services.meetings import meetings_schedule


@job_runner(Job.Kind.SCHEDULING)
def run_meetings_schedule(*, params: dict[str, Any], by: Any) -> dict[str, Any]:
    return meetings_schedule(event_id=params["event_id"], by=by)
