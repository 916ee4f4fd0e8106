"""The API for appeals and feedback: the same services and selectors as the pages and the admin."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from matching.models import Appeal, Assignment, EvaluationRound
from matching.services.appeals import appeal_file
from tests import factories

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"


@pytest.fixture
def published():
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.PUBLISHED,
        appeal_days=3,
        appeals_close_at=timezone.now() + dt.timedelta(days=2),
        feedback_score=True,
        feedback_comments=True,
    )
    result = factories.RoundResultFactory(round=evaluation_round, rank=1, final_score=Decimal("80"), advanced=False)
    founder = factories.StartupMemberFactory(startup=result.application.startup).user
    return evaluation_round, result.application, founder


def test_a_member_files_an_appeal_with_a_file_and_reads_it_under_the_application(session_client, published):
    evaluation_round, application, founder = published
    client = session_client(founder)
    url = f"/api/v1/applications/{application.pk}/appeals/"

    created = client.post(
        url,
        {"round": evaluation_round.pk, "reason": "재검토 요청", "file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    rows = client.get(url).json()

    assert (created.status_code, created.json()["status"], created.json()["has_file"]) == (201, "filed", True)
    assert [row["id"] for row in rows] == [created.json()["id"]]


def test_a_second_appeal_is_a_409_with_its_code(session_client, published):
    evaluation_round, application, founder = published
    appeal_file(application=application, round=evaluation_round, by=founder, reason="첫 번째")

    response = session_client(founder).post(
        f"/api/v1/applications/{application.pk}/appeals/", {"round": evaluation_round.pk, "reason": "두 번째"}
    )

    assert (response.status_code, response.json()["code"]) == (409, "appeal_exists")


def test_another_startups_application_is_a_404(session_client, published):
    evaluation_round, application, _founder = published
    outsider = factories.StartupMemberFactory().user

    response = session_client(outsider).post(
        f"/api/v1/applications/{application.pk}/appeals/", {"round": evaluation_round.pk, "reason": "x"}
    )

    assert response.status_code == 404 and not Appeal.objects.exists()


def test_staff_list_by_status_and_decide_and_an_applicant_cannot(session_client, staff_api, published):
    evaluation_round, application, founder = published
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="x")
    url = f"/api/v1/appeals/{appeal.pk}/decide/"

    listed = staff_api.get("/api/v1/appeals/?status=filed").json()["results"]
    refused = session_client(founder).post(url, {"upheld": True, "answer": "ok"})
    decided = staff_api.post(url, {"upheld": False, "answer": "기각합니다."}, format="json")

    assert [row["id"] for row in listed] == [appeal.pk]
    assert refused.status_code == 403
    assert (decided.status_code, decided.json()["status"], decided.json()["answer"]) == (
        200,
        "dismissed",
        "기각합니다.",
    )


def test_a_member_reads_the_feedback_the_round_shares_and_an_outsider_does_not(session_client, published):
    evaluation_round, application, founder = published
    factories.ReviewFactory(
        assignment__round=evaluation_round,
        assignment__application=application,
        assignment__status=Assignment.Status.SUBMITTED,
        submitted_at=timezone.now(),
        comment_for_applicant="잘 봤습니다",
    )
    url = f"/api/v1/applications/{application.pk}/feedback/"

    (feedback,) = session_client(founder).get(url).json()
    outsider = session_client(factories.StartupMemberFactory().user).get(url)

    assert (feedback["round"], feedback["final_score"], feedback["comments"]) == (
        evaluation_round.pk,
        "80.00",
        ["잘 봤습니다"],
    )
    assert feedback["criterion_means"] == []
    assert outsider.status_code == 404


def test_staff_let_an_upheld_appeal_advance_and_an_applicant_cannot(session_client, staff_api, published):
    evaluation_round, application, founder = published
    factories.EvaluationRoundFactory(program=evaluation_round.program, order=evaluation_round.order + 1)
    type(application).objects.filter(pk=application.pk).update(status="not_selected")
    appeal = appeal_file(application=application, round=evaluation_round, by=founder, reason="x")
    staff_api.post(f"/api/v1/appeals/{appeal.pk}/decide/", {"upheld": True, "answer": "인용합니다."}, format="json")
    url = f"/api/v1/appeals/{appeal.pk}/reinstate/"

    refused = session_client(founder).post(url, {})
    done = staff_api.post(url, {"reason": "점수 정정"}, format="json")

    application.refresh_from_db()
    assert (refused.status_code, done.status_code, application.status) == (403, 200, "advanced")


def test_staff_read_any_applications_feedback_and_an_unknown_application_is_a_404(staff_api, published):
    evaluation_round, application, _founder = published

    (feedback,) = staff_api.get(f"/api/v1/applications/{application.pk}/feedback/").json()
    unknown = staff_api.get(f"/api/v1/applications/{application.pk + 1000}/feedback/")

    assert (feedback["round"], feedback["final_score"]) == (evaluation_round.pk, "80.00")
    assert unknown.status_code == 404
