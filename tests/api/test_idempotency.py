"""`Idempotency-Key`: a retried POST gets the first answer again and has no second effect."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from api.idempotency import ABANDONED_AFTER
from api.models import IdempotencyRecord
from audit.models import AuditEvent
from jobs.models import Job
from matching.models import EvaluationRound, Program
from tests import factories

pytestmark = pytest.mark.django_db

P = Program.Status


def status_events(program):
    return AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(Program), object_id=str(program.pk), verb="status_changed"
    )


def close(client, program, key=None, **body):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"/api/v1/programs/{program.pk}/close/", body, **headers)


def test_the_same_key_twice_replays_the_first_answer_and_acts_once(staff_api):
    program = factories.ProgramFactory(open=True)

    first = close(staff_api, program, "retry-1", reason="deadline")
    second = close(staff_api, program, "retry-1", reason="deadline")

    assert (
        (second.status_code, second.json())
        == (first.status_code, first.json())
        == (200, {"id": program.pk, "status": P.CLOSED})
    )
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert status_events(program).count() == 1


def test_a_replayed_job_request_answers_the_same_job_and_starts_no_second_one(staff_api):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.ASSIGNING)
    url = f"/api/v1/rounds/{evaluation_round.pk}/assign/"

    first = staff_api.post(url, {"seed": 3}, HTTP_IDEMPOTENCY_KEY="assign-once")
    second = staff_api.post(url, {"seed": 3}, HTTP_IDEMPOTENCY_KEY="assign-once")

    assert (second.status_code, second["Location"], second.json()) == (202, first["Location"], first.json())
    assert Job.objects.count() == 1


def test_the_same_key_with_a_different_body_is_refused_with_422(staff_api):
    program = factories.ProgramFactory(open=True)
    close(staff_api, program, "k", reason="deadline")

    response = close(staff_api, program, "k", reason="something else")

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")


def test_the_same_key_on_another_address_is_refused_with_422(staff_api):
    first, second = factories.ProgramFactory(open=True), factories.ProgramFactory(open=True)
    close(staff_api, first, "k")

    response = close(staff_api, second, "k")

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    second.refresh_from_db()
    assert second.status == P.OPEN


def test_different_callers_with_the_same_key_are_independent(key_client, staff_user):
    program = factories.ProgramFactory(open=True)
    other_staff = factories.UserFactory(staff=True)

    first = close(key_client(staff_user), program, "shared-key")
    second = close(key_client(other_staff), program, "shared-key")

    assert first.status_code == 200
    assert (second.status_code, second.json()["code"]) == (409, "transition_not_allowed")  # really ran, refused
    assert not second.has_header("Idempotent-Replayed")


def test_two_keys_of_the_same_person_are_different_callers(key_client, staff_user):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.ASSIGNING)
    url = f"/api/v1/rounds/{evaluation_round.pk}/assign/"

    key_client(staff_user).post(url, HTTP_IDEMPOTENCY_KEY="k")
    key_client(staff_user).post(url, HTTP_IDEMPOTENCY_KEY="k")

    assert Job.objects.count() == 2


def test_a_refusal_is_replayed_as_the_same_409(staff_api):
    program = factories.ProgramFactory()  # no track: cannot open
    url = f"/api/v1/programs/{program.pk}/open/"
    first = staff_api.post(url, HTTP_IDEMPOTENCY_KEY="open-1")
    factories.TrackFactory(program=program)

    second = staff_api.post(url, HTTP_IDEMPOTENCY_KEY="open-1")

    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert (second.status_code, second.json()["code"]) == (409, "program_without_tracks")
    assert second["Idempotent-Replayed"] == "true"
    program.refresh_from_db()
    assert program.status == P.DRAFT


def test_without_a_key_every_request_runs(staff_api):
    program = factories.ProgramFactory(open=True)

    first, second = close(staff_api, program), close(staff_api, program)

    assert (first.status_code, second.status_code) == (200, 409)
    assert not IdempotencyRecord.objects.exists()


def test_a_request_while_the_first_with_its_key_is_still_running_gets_409(staff_api):
    program = factories.ProgramFactory(open=True)
    close(staff_api, program, "busy")
    IdempotencyRecord.objects.filter(key="busy").update(status_code=None, response=None)  # as while it runs

    response = close(staff_api, program, "busy")

    assert (response.status_code, response.json()["code"]) == (409, "idempotency_key_in_use")


def test_a_request_abandoned_by_a_dead_process_is_run_again_by_the_retry(staff_api):
    program = factories.ProgramFactory(open=True)
    close(staff_api, program, "orphan")
    Program.objects.filter(pk=program.pk).update(status=P.OPEN)  # as if the first never got to act
    IdempotencyRecord.objects.filter(key="orphan").update(
        status_code=None, response=None, created_at=timezone.now() - ABANDONED_AFTER - dt.timedelta(seconds=1)
    )

    response = close(staff_api, program, "orphan")

    assert (response.status_code, response.json()["status"]) == (200, P.CLOSED)
    assert not response.has_header("Idempotent-Replayed")
    assert IdempotencyRecord.objects.get(key="orphan").status_code == 200


def test_a_key_longer_than_255_characters_is_refused(staff_api):
    program = factories.ProgramFactory(open=True)

    response = close(staff_api, program, "k" * 256)

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    program.refresh_from_db()
    assert program.status == P.OPEN


def test_a_body_we_could_not_read_is_replayed_as_the_same_400(staff_api):
    program = factories.ProgramFactory(open=True)
    url = f"/api/v1/programs/{program.pk}/close/"
    broken = staff_api.post(url, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    replay = staff_api.post(url, "{not json", content_type="application/json", HTTP_IDEMPOTENCY_KEY="k")

    assert (broken.status_code, replay.status_code) == (400, 400)
    assert replay["Idempotent-Replayed"] == "true"
