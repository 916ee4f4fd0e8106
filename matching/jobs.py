"""The runners of the evaluation and matching jobs, one per kind, registered when the app is ready,
with what each job's page says once it has ended and where it links to.
Each loads by id and calls the service the admin and the API start the job through; a refusal is a
DomainError, which fails the job with its message."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext, ngettext

from core.admin import changelist_url
from jobs.models import Job
from jobs.services import JobRefused, job_runner, progress_reporter
from matching.models import Assignment, Meeting, RoundResult
from matching.services.assignment import AssignmentImpossible, assignments_run
from matching.services.matching import matching_run
from matching.services.meetings import meetings_schedule
from matching.services.scoring import results_compute_run

# --- what a job's page says and links to (from the job's params and result alone: no query) ---------------


def _round_links(job: Job) -> list[tuple[str, str]]:
    round_id = job.params.get("round_id")
    if round_id is None:
        return []
    return [(gettext("The round's page"), reverse("admin:matching_evaluationround_change", args=[round_id]))]


def compute_summary(job: Job) -> str:
    result = job.result
    text = ngettext(
        "Results computed: %(applications)d application, %(advanced)d advancing, %(failed)d failing.",
        "Results computed: %(applications)d applications, %(advanced)d advancing, %(failed)d failing.",
        result.get("applications", 0),
    ) % {
        "applications": result.get("applications", 0),
        "advanced": result.get("advanced", 0),
        "failed": result.get("failed", 0),
    }
    missing = result.get("missing_reviews", 0)
    if missing:
        text += " " + ngettext(
            "%(count)d assignment was not submitted and was left out.",
            "%(count)d assignments were not submitted and were left out.",
            missing,
        ) % {"count": missing}
    return text


def compute_links(job: Job) -> list[tuple[str, str]]:
    links = []
    if job.status == Job.Status.SUCCEEDED:
        url = changelist_url(RoundResult, round__id__exact=job.params["round_id"])
        links.append((gettext("The round's results"), url))
    return links + _round_links(job)


def assign_summary(job: Job) -> str:
    result = job.result
    created, applications = result.get("created", 0), result.get("applications", 0)
    if not created:
        return ngettext(
            "Evaluators assigned: the %(applications)d application already had its evaluators.",
            "Evaluators assigned: the %(applications)d applications already had their evaluators.",
            applications,
        ) % {"applications": applications}
    return ngettext(
        "Evaluators assigned: %(created)d new assignment for %(applications)d applications, "
        "%(low)d to %(high)d per evaluator.",
        "Evaluators assigned: %(created)d new assignments for %(applications)d applications, "
        "%(low)d to %(high)d per evaluator.",
        created,
    ) % {
        "created": created,
        "applications": applications,
        "low": result.get("load_min", 0),
        "high": result.get("load_max", 0),
    }


def assign_links(job: Job) -> list[tuple[str, str]]:
    links = []
    if job.status == Job.Status.SUCCEEDED:
        url = changelist_url(Assignment, round__id__exact=job.params["round_id"])
        links.append((gettext("The round's assignments"), url))
    return links + _round_links(job)


def matching_summary(job: Job) -> str:
    result = job.result
    text = ngettext(
        "Matching done: %(matched)d startup matched, %(unmatched)d unmatched.",
        "Matching done: %(matched)d startups matched, %(unmatched)d unmatched.",
        result.get("matched", 0),
    ) % {"matched": result.get("matched", 0), "unmatched": result.get("unmatched", 0)}
    if result.get("blocking_pairs"):
        text += " " + ngettext(
            "%(count)d blocking pair: the run is not stable.",
            "%(count)d blocking pairs: the run is not stable.",
            result["blocking_pairs"],
        ) % {"count": result["blocking_pairs"]}
    return text


def matching_links(job: Job) -> list[tuple[str, str]]:
    links = []
    if job.result.get("run_id"):
        links.append(
            (gettext("The matching run"), reverse("admin:matching_matchingrun_change", args=[job.result["run_id"]]))
        )
    if job.params.get("program_id"):
        links.append(
            (gettext("The program's page"), reverse("admin:matching_program_change", args=[job.params["program_id"]]))
        )
    return links


def schedule_summary(job: Job) -> str:
    result = job.result
    unplaced = len(result.get("unplaced", ()))
    text = ngettext(
        "Meetings scheduled: %(placed)d of %(requests)d request placed.",
        "Meetings scheduled: %(placed)d of %(requests)d requests placed.",
        result.get("requests", 0),
    ) % {"placed": result.get("placed", 0), "requests": result.get("requests", 0)}
    if unplaced:
        text += " " + ngettext(
            "%(count)d could not be placed; the event's page says why.",
            "%(count)d could not be placed; the event's page says why.",
            unplaced,
        ) % {"count": unplaced}
    return text


def schedule_links(job: Job) -> list[tuple[str, str]]:
    event_id = job.params.get("event_id")
    if event_id is None:
        return []
    links = []
    if job.status == Job.Status.SUCCEEDED:
        links.append((gettext("The event's meetings"), changelist_url(Meeting, event__id__exact=event_id)))
    links.append((gettext("The event's page"), reverse("admin:matching_meetingevent_change", args=[event_id])))
    return links


# --- runners -----------------------------------------------------------------------------------------------


@job_runner(Job.Kind.ASSIGN, summary=assign_summary, links=assign_links)
def run_assign(job: Job, *, round_id: int, seed: int = 0) -> dict[str, Any]:
    try:
        report = assignments_run(round_id=round_id, by=job.created_by, seed=seed, progress=progress_reporter(job))
    except AssignmentImpossible as impossible:  # the job keeps which applications cannot be served
        raise JobRefused(impossible.message, code=impossible.code, result=impossible.report.as_dict()) from impossible
    return report.as_dict()


@job_runner(Job.Kind.COMPUTE, summary=compute_summary, links=compute_links)
def run_compute(job: Job, *, round_id: int, allow_missing: bool = False) -> dict[str, Any]:
    report = results_compute_run(
        round_id=round_id,
        by=job.created_by or "system",
        allow_missing=allow_missing,
        progress=progress_reporter(job),
    )
    return asdict(report)


@job_runner(Job.Kind.MATCHING, summary=matching_summary, links=matching_links)
def run_matching(job: Job, *, program_id: int) -> dict[str, Any]:
    """The job's result names the run it stored (or reused: the same inputs give the same run)."""
    run = matching_run(program_id=program_id, by=job.created_by or "system", job_id=job.pk)
    return {
        "run_id": run.pk,
        "fingerprint": run.fingerprint,
        "matched": len(run.assignment),
        "unmatched": len(run.unmatched),
        "blocking_pairs": len(run.blocking_pairs),
        "published": run.published_at is not None,
    }


@job_runner(Job.Kind.SCHEDULING, summary=schedule_summary, links=schedule_links)
def run_meetings_schedule(job: Job, *, event_id: int) -> dict[str, Any]:
    return meetings_schedule(event_id=event_id, by=job.created_by or "system", progress=progress_reporter(job))
