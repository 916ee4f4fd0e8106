"""A person downloads everything Matchday holds about them, and nothing of anyone else's."""

import io
import json
import zipfile

import pytest

from jobs.models import Job
from privacy.services import personal_data_export_start
from tests import factories

pytestmark = pytest.mark.django_db


def _world():
    """An applicant with a file, a consent and a message; a fellow applicant; an evaluator who scored them."""
    founder = factories.UserFactory(email="founder@example.com", name="김민지")
    application = factories.ApplicationFactory(submitted=True, title="AI 상담 자동화")
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    factories.AnswerFactory(application=application, value="우리만의 답")
    factories.AttachmentFactory(application=application, original_name="deck.pdf", file__data=b"%PDF-1.4 mine")
    factories.NotificationFactory(recipient=founder, email=founder.email, subject="접수 완료")
    colleague = factories.UserFactory(email="colleague@example.com", name="이동료")
    factories.StartupMemberFactory(startup=application.startup, user=colleague)
    other = factories.ApplicationFactory(program=application.program, submitted=True, title="남의 신청서")
    factories.StartupMemberFactory(startup=other.startup, user=factories.UserFactory(email="other@example.com"))
    factories.AttachmentFactory(application=other, original_name="secret.pdf", file__data=b"%PDF-1.4 theirs")
    evaluator = factories.EvaluatorFactory(user=factories.UserFactory(email="judge@example.com", name="심사위원"))
    round_ = factories.EvaluationRoundFactory(program=application.program)
    factories.ScoreFactory(
        review=factories.ReviewFactory(
            assignment=factories.AssignmentFactory(round=round_, application=application, evaluator=evaluator),
            comment="심사 의견",
        ),
    )
    return founder, evaluator


def _zip_of(client, job):
    response = client.get(f"/account/my-data/{job.pk}/download/")
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_export_holds_the_persons_data_and_files(client, django_capture_on_commit_callbacks):
    founder, _evaluator = _world()
    client.force_login(founder)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/my-data/")

    job = Job.objects.get(kind=Job.Kind.PERSONAL_DATA_EXPORT)
    assert job.status == Job.Status.SUCCEEDED
    archive = _zip_of(client, job)
    data = json.loads(archive.read("data.json"))
    assert data["account"]["email"] == "founder@example.com"
    assert [a["title"] for a in data["applications"]] == ["AI 상담 자동화"]
    assert data["applications"][0]["answers"][0]["value"] == "우리만의 답"
    assert [n["subject"] for n in data["notifications"]] == ["접수 완료"]
    [file_name] = [name for name in archive.namelist() if name.startswith("files/")]
    assert archive.read(file_name) == b"%PDF-1.4 mine"


def test_the_export_holds_nothing_of_other_people_nor_the_evaluators(client, django_capture_on_commit_callbacks):
    founder, _evaluator = _world()
    client.force_login(founder)

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/account/my-data/")

    archive = _zip_of(client, Job.objects.get())
    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    for foreign in (
        "colleague@example.com",
        "이동료",
        "other@example.com",
        "남의 신청서",
        "theirs",
        "judge@example.com",
        "심사위원",
        "심사 의견",
    ):
        assert foreign not in everything
    assert json.loads(archive.read("data.json"))["reviews"] == []


def test_an_evaluator_gets_their_own_reviews(client, django_capture_on_commit_callbacks):
    _founder, evaluator = _world()
    client.force_login(evaluator.user)

    with django_capture_on_commit_callbacks(execute=True):
        personal_data_export_start(user=evaluator.user)

    data = json.loads(_zip_of(client, Job.objects.get()).read("data.json"))
    assert [r["comment"] for r in data["reviews"]] == ["심사 의견"]
    assert data["applications"] == []


def test_only_the_owner_can_download_the_export(client, django_capture_on_commit_callbacks):
    founder, _evaluator = _world()
    with django_capture_on_commit_callbacks(execute=True):
        job = personal_data_export_start(user=founder)
    client.force_login(factories.UserFactory())

    response = client.get(f"/account/my-data/{job.pk}/download/")

    assert response.status_code == 404


def test_an_expired_export_cannot_be_downloaded(client, settings, django_capture_on_commit_callbacks):
    founder, _evaluator = _world()
    settings.PRIVACY_EXPORT_DAYS = 0
    with django_capture_on_commit_callbacks(execute=True):
        job = personal_data_export_start(user=founder)
    client.force_login(founder)

    response = client.get(f"/account/my-data/{job.pk}/download/")

    assert response.status_code == 404


def test_the_my_data_page_lists_the_persons_exports_with_a_download_link(client, django_capture_on_commit_callbacks):
    founder, _evaluator = _world()
    with django_capture_on_commit_callbacks(execute=True):
        job = personal_data_export_start(user=founder)
    with django_capture_on_commit_callbacks(execute=True):
        personal_data_export_start(user=factories.UserFactory())
    client.force_login(founder)

    response = client.get("/account/my-data/")

    assert response.content.decode().count("/download/") == 1
    assert f"/account/my-data/{job.pk}/download/" in response.content.decode()


def test_the_my_data_page_needs_a_sign_in(client):
    response = client.get("/account/my-data/")

    assert response.status_code == 302


def test_the_export_holds_the_persons_appeals_exclusion_requests_and_pledges():
    from privacy.services import personal_data_collect

    founder, evaluator = _world()
    application = founder.startup_memberships.get().startup.applications.get()
    factories.AppealFactory(round__program=application.program, application=application, reason="합산 오류")
    factories.ExclusionRequestFactory(application=application, organisation="경쟁사", reason="동종 업계")
    factories.PledgeAcceptanceFactory(evaluator=evaluator, pledge__version=2)

    founder_data, _files = personal_data_collect(user=founder)
    evaluator_data, _files = personal_data_collect(user=evaluator.user)

    [row] = founder_data["applications"]
    assert [a["reason"] for a in row["appeals"]] == ["합산 오류"]
    assert [(e["organisation"], e["reason"]) for e in row["exclusion_requests"]] == [("경쟁사", "동종 업계")]
    assert [p["version"] for p in evaluator_data["pledges"]] == [2]
