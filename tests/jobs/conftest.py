"""Rounds ready for the jobs staff start, and the staff client reading the admin in English."""

import pytest
from django.utils import timezone

from jobs.models import Job
from matching.models import Assignment, EvaluationRound
from tests import factories


def closed_round(applications=3, *, submitted=True, program=None) -> EvaluationRound:
    """A closed round with one criterion and one evaluator per application, each review scored (5 to 10)."""
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.CLOSED,
        evaluators_per_application=1,
        **({"program": program} if program else {}),
    )
    criterion = factories.CriterionFactory(round=evaluation_round)
    status = Assignment.Status.SUBMITTED if submitted else Assignment.Status.PENDING
    for n in range(applications):
        assignment = factories.AssignmentFactory(round=evaluation_round, status=status)
        review = factories.ReviewFactory(assignment=assignment, submitted_at=timezone.now() if submitted else None)
        factories.ScoreFactory(review=review, criterion=criterion, value=5 + n % 6)
    return evaluation_round


def job_of(kind=Job.Kind.COMPUTE, **fields) -> Job:
    fields.setdefault("params", {"round_id": 1})
    return Job.objects.create(kind=kind, **fields)


@pytest.fixture
def staff(staff_client):
    staff_client.cookies["django_language"] = "en"
    return staff_client
