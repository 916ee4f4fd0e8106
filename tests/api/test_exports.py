"""`/api/v1/exports/`: applications, reviews and round results as CSV or XLSX for staff, and export jobs
for large ones.

A job's file is served to staff (any staff member, like every job) and to the person who started it;
anyone else gets 404."""

import csv
import io

import pytest
from openpyxl import load_workbook

from api.models import ApiKey
from jobs.models import Job
from tests import factories

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ALL_BUT_EXPORTS = [scope for scope in ApiKey.Scope.values if scope != ApiKey.Scope.EXPORTS_READ]


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def applications(program, count: int, **startup):
    return [
        factories.ApplicationFactory(in_review=True, program=program, startup=factories.StartupFactory(**startup))
        for _ in range(count)
    ]


@pytest.fixture
def program():
    return factories.ProgramFactory(slug="gecp-2026")


# ---- files at once


def test_staff_get_a_programs_applications_as_csv_with_a_byte_order_mark_and_korean_names(staff_api, program):
    applications(program, 1, name_ko="주식회사 매치데이")

    response = staff_api.get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-gecp-2026-')
    assert response["Content-Disposition"].endswith('.csv"')
    content = body_of(response)
    assert content.startswith(b"\xef\xbb\xbf")
    header, row = read_csv(content)
    assert (header[0], row[3]) == ("접수번호", "주식회사 매치데이")


def test_an_answer_beginning_with_a_formula_sign_is_escaped_in_the_csv(staff_api, program):
    [application] = applications(program, 1)
    factories.AnswerFactory(application=application, value="=cmd|' /C calc'!A0")

    response = staff_api.get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert read_csv(body_of(response))[1][-2] == "'=cmd|' /C calc'!A0"


def test_staff_get_a_programs_applications_as_xlsx(staff_api, program):
    applications(program, 2)

    response = staff_api.get(f"/api/v1/exports/applications.xlsx?program={program.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].endswith('.xlsx"')
    rows = list(load_workbook(io.BytesIO(body_of(response))).active.iter_rows(values_only=True))
    assert len(rows) == 3


def test_the_format_may_be_given_as_a_query_parameter(staff_api, program):
    response = staff_api.get(f"/api/v1/exports/applications/?program={program.pk}&format=csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_staff_get_a_rounds_reviews_with_scores_and_totals(staff_api):
    score = factories.ScoreFactory(value=7)
    evaluation_round = score.review.assignment.round

    response = staff_api.get(f"/api/v1/exports/reviews.csv?round={evaluation_round.pk}")

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="reviews-{evaluation_round.program.slug}-round{evaluation_round.order}-'
    )
    [_header, row] = read_csv(body_of(response))
    assert (row[0], row[-2], row[-1]) == (score.review.assignment.application.receipt_number, "7.00", "70.0000")


def test_staff_get_a_rounds_results_as_xlsx(staff_api):
    result = factories.RoundResultFactory(rank=1)

    response = staff_api.get(f"/api/v1/exports/round-results.xlsx?round={result.round_id}")

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    [_header, row] = list(load_workbook(io.BytesIO(body_of(response))).active.iter_rows(values_only=True))
    assert (row[0], row[1]) == (1, result.application.receipt_number)


def test_the_csv_export_takes_the_same_queries_for_2_and_20_applications(staff_api, program, django_assert_num_queries):
    for application in applications(program, 2):
        factories.AnswerFactory(application=application)
    staff_api.get("/api/v1/programs/")  # the key's first use records it; later requests do not
    with django_assert_num_queries(9):
        body_of(staff_api.get(f"/api/v1/exports/applications.csv?program={program.pk}"))
    for application in applications(program, 18):
        factories.AnswerFactory(application=application)
    with django_assert_num_queries(9):
        response = staff_api.get(f"/api/v1/exports/applications.csv?program={program.pk}")
        assert len(read_csv(body_of(response))) == 21


@pytest.mark.parametrize("role", ["partner", "applicant", "evaluator"])
def test_keys_of_people_who_are_not_staff_are_refused(key_client, program, role):
    user = factories.UserFactory()
    partner = None
    if role == "partner":
        partner = factories.ProgramPartnerFactory(program=program).partner
        factories.PartnerMembershipFactory(partner=partner, user=user)
    elif role == "applicant":
        [application] = applications(program, 1)
        factories.StartupMemberFactory(startup=application.startup, user=user)
    else:
        factories.EvaluatorFactory(user=user)

    response = key_client(user, partner=partner).get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_a_staff_members_partner_key_is_refused(key_client, staff_user, program):
    partner = factories.ProgramPartnerFactory(program=program).partner
    factories.PartnerMembershipFactory(partner=partner, user=staff_user)

    response = key_client(staff_user, partner=partner).get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert response.status_code == 403


def test_a_key_without_the_exports_scope_is_refused(key_client, staff_user, program):
    response = key_client(staff_user, scopes=ALL_BUT_EXPORTS).get(
        f"/api/v1/exports/applications.csv?program={program.pk}"
    )

    assert response.status_code == 403


def test_an_unknown_program_is_not_found(staff_api):
    response = staff_api.get("/api/v1/exports/applications.csv?program=999999")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_a_missing_round_is_named_in_the_fields(staff_api):
    response = staff_api.get("/api/v1/exports/reviews.csv")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"round"}


def test_an_unknown_format_is_not_found(staff_api, program):
    response = staff_api.get(f"/api/v1/exports/applications.pdf?program={program.pk}")

    assert response.status_code == 404


def test_a_session_of_a_staff_member_gets_the_file_too(session_client, staff_user, program):
    response = session_client(staff_user).get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert response.status_code == 200


# ---- large exports as jobs


@pytest.fixture
def small_threshold(settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1


def start_export(client, program, capture, file_format="csv"):
    with capture(execute=True):
        response = client.post(
            "/api/v1/exports/", {"kind": "applications", "format": file_format, "program": program.pk}, format="json"
        )
    return response


def test_an_export_larger_than_the_threshold_is_refused_at_once_and_points_to_a_job(
    staff_api, program, small_threshold
):
    applications(program, 2)

    response = staff_api.get(f"/api/v1/exports/applications.csv?program={program.pk}")

    assert response.status_code == 409
    assert response.json()["code"] == "export_too_large"


def test_a_large_export_runs_as_a_job_that_records_the_file_and_its_rows(
    staff_api, program, small_threshold, django_capture_on_commit_callbacks
):
    applications(program, 2)

    response = start_export(staff_api, program, django_capture_on_commit_callbacks)

    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/exports/{response.json()['id']}/"
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.kind, job.status, job.result["rows"]) == (Job.Kind.EXPORT, Job.Status.SUCCEEDED, 2)
    assert job.result["file"].startswith("applications-gecp-2026-")


def test_the_creator_downloads_the_jobs_file(staff_api, program, small_threshold, django_capture_on_commit_callbacks):
    applications(program, 2, name_ko="주식회사 대량")
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks).json()["id"]

    response = staff_api.get(f"/api/v1/exports/{job_id}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-gecp-2026-')
    rows = read_csv(body_of(response))
    assert [row[3] for row in rows[1:]] == ["주식회사 대량", "주식회사 대량"]


def test_the_jobs_xlsx_file_opens_with_openpyxl(staff_api, program, django_capture_on_commit_callbacks):
    applications(program, 2)
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks, file_format="xlsx").json()["id"]

    response = staff_api.get(f"/api/v1/exports/{job_id}/download/")

    assert response["Content-Type"] == XLSX
    assert len(list(load_workbook(io.BytesIO(body_of(response))).active.iter_rows(values_only=True))) == 3


def test_the_job_is_polled_at_its_address(staff_api, program, django_capture_on_commit_callbacks):
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks).json()["id"]

    response = staff_api.get(f"/api/v1/exports/{job_id}/")

    assert (response.status_code, response.json()["status"]) == (200, "succeeded")


def test_another_staff_member_may_download_the_jobs_file(
    staff_api, key_client, program, django_capture_on_commit_callbacks
):
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks).json()["id"]
    colleague = key_client(factories.UserFactory(staff=True))

    assert colleague.get(f"/api/v1/exports/{job_id}/download/").status_code == 200


def test_someone_who_is_not_staff_finds_no_such_export(
    staff_api, key_client, program, django_capture_on_commit_callbacks
):
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks).json()["id"]
    applicant = factories.StartupMemberFactory().user
    outsider = key_client(applicant)

    assert outsider.get(f"/api/v1/exports/{job_id}/download/").status_code == 404
    assert outsider.get(f"/api/v1/exports/{job_id}/").status_code == 404


def test_the_creator_through_a_partners_key_finds_no_such_export(
    staff_api, key_client, staff_user, program, django_capture_on_commit_callbacks
):
    job_id = start_export(staff_api, program, django_capture_on_commit_callbacks).json()["id"]
    partner = factories.ProgramPartnerFactory(program=program).partner
    factories.PartnerMembershipFactory(partner=partner, user=staff_user)
    partner_key = key_client(staff_user, partner=partner)

    assert partner_key.get(f"/api/v1/exports/{job_id}/download/").status_code == 404


def test_a_job_not_finished_has_no_file_yet(staff_api, program):
    job_id = staff_api.post(
        "/api/v1/exports/", {"kind": "applications", "format": "csv", "program": program.pk}, format="json"
    ).json()["id"]  # queued: its on-commit never runs inside the test's transaction

    response = staff_api.get(f"/api/v1/exports/{job_id}/download/")

    assert (response.status_code, response.json()["code"]) == (409, "export_not_ready")


def test_a_job_of_another_kind_is_not_an_export(staff_api, staff_user):
    job = Job.objects.create(kind=Job.Kind.COMPUTE, created_by=staff_user, status=Job.Status.SUCCEEDED)

    assert staff_api.get(f"/api/v1/exports/{job.pk}/download/").status_code == 404


def test_starting_an_export_job_without_its_round_names_the_field(staff_api):
    response = staff_api.post("/api/v1/exports/", {"kind": "reviews", "format": "csv"}, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"round"}


def test_starting_an_export_job_of_an_unknown_round_is_not_found(staff_api):
    response = staff_api.post("/api/v1/exports/", {"kind": "round_results", "format": "xlsx", "round": 999999})

    assert response.status_code == 404


def test_only_staff_start_export_jobs(key_client, program):
    applicant = factories.StartupMemberFactory().user

    response = key_client(applicant).post(
        "/api/v1/exports/", {"kind": "applications", "format": "csv", "program": program.pk}, format="json"
    )

    assert response.status_code == 403
    assert not Job.objects.exists()


def test_the_job_writes_the_header_in_the_language_of_the_request_that_started_it(
    staff_api, program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job_id = staff_api.post(
            "/api/v1/exports/",
            {"kind": "applications", "format": "csv", "program": program.pk},
            format="json",
            HTTP_ACCEPT_LANGUAGE="en",
        ).json()["id"]

    response = staff_api.get(f"/api/v1/exports/{job_id}/download/")

    assert read_csv(body_of(response))[0][0] == "receipt number"
