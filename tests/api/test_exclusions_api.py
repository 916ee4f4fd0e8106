"""The API for exclusion requests and the pledge: the same services as the pages and the admin."""

import pytest

from matching.models import Conflict, EvaluationRound, ExclusionRequest, PledgeAcceptance
from matching.services.pledges import pledge_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SETUP)
    application = factories.ApplicationFactory(program=evaluation_round.program, submitted=True)
    factories.StartupMemberFactory(startup=application.startup)
    return application


def member_of(application):
    return application.startup.members.get().user


def test_a_member_files_a_request_and_lists_only_their_own(session_client, application):
    client = session_client(member_of(application))
    other = factories.ApplicationFactory(submitted=True)
    ExclusionRequest.objects.create(application=other, organisation="B", reason="r")

    created = client.post(
        "/api/v1/exclusion-requests/", {"application": application.pk, "organisation": "A사", "reason": "경쟁사"}
    )
    rows = client.get("/api/v1/exclusion-requests/").json()["results"]

    assert (created.status_code, created.json()["status"]) == (201, "requested")
    assert [row["id"] for row in rows] == [created.json()["id"]]


def test_a_request_for_another_startups_application_is_refused(session_client, application):
    outsider = factories.StartupMemberFactory().user
    response = session_client(outsider).post(
        "/api/v1/exclusion-requests/", {"application": application.pk, "organisation": "A", "reason": "r"}
    )
    assert response.status_code == 400 and not ExclusionRequest.objects.exists()


def test_a_request_after_assignment_is_a_409_with_its_code(session_client, application):
    factories.AssignmentFactory(round=application.program.rounds.get(), application=application)
    response = session_client(member_of(application)).post(
        "/api/v1/exclusion-requests/", {"application": application.pk, "organisation": "A", "reason": "r"}
    )
    assert (response.status_code, response.json()["code"]) == (409, "exclusion_closed")


def test_staff_decide_and_an_applicant_cannot(session_client, staff_api, application):
    factories.EvaluatorFactory(organisation="A")
    request = ExclusionRequest.objects.create(application=application, organisation="A", reason="r")
    url = f"/api/v1/exclusion-requests/{request.pk}/decide/"

    refused = session_client(member_of(application)).post(url, {"accept": True, "answer": "ok"})
    decided = staff_api.post(url, {"accept": True, "answer": "받아들입니다."}, format="json")

    assert refused.status_code == 403
    assert (decided.status_code, decided.json()["status"]) == (200, "accepted")
    assert Conflict.objects.filter(source=Conflict.Source.EXCLUSION, startup=application.startup).count() == 1


def test_an_evaluator_scores_through_the_api_only_after_the_pledge_and_the_declaration(session_client):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    criterion = factories.CriterionFactory(round=evaluation_round)
    assignment = factories.AssignmentFactory(round=evaluation_round)
    evaluation_round.evaluators.add(assignment.evaluator)
    pledge_create(round=evaluation_round, text_ko="서약", by=None)
    client = session_client(assignment.evaluator.user)
    review = f"/api/v1/assignments/{assignment.pk}/review/"
    body = {"scores": {criterion.code: "5"}}

    before = client.put(review, body, format="json")
    client.post(f"/api/v1/assignments/{assignment.pk}/accept-pledge/")
    undeclared = client.put(review, body, format="json")
    client.post(f"/api/v1/assignments/{assignment.pk}/declare-no-conflict/")
    after = client.put(review, body, format="json")

    assert (before.status_code, before.json()["code"]) == (409, "pledge_required")
    assert (undeclared.status_code, undeclared.json()["code"]) == (409, "declaration_required")
    assert after.status_code == 200
    assert PledgeAcceptance.objects.filter(evaluator=assignment.evaluator).count() == 1
