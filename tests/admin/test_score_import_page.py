"""The admin page where staff import scores from an offline sheet into a round."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from matching.models import Assignment, Criterion, EvaluationRound, Score
from tests import factories
from tests.admin.conftest import admin_url, messages_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned():
    """A scoring round with criteria `technology` (max 10) and `market` (max 20) and one assignment."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    assignment = factories.AssignmentFactory(
        round=evaluation_round, evaluator=factories.EvaluatorFactory(user__email="judge@example.com")
    )
    return assignment


def import_url(evaluation_round) -> str:
    return reverse("admin:matching_evaluationround_import_scores", args=[evaluation_round.pk])


def sheet(lines: list[str], name: str = "sheet.csv") -> SimpleUploadedFile:
    text = "\n".join(["receipt_number,evaluator_email,criterion_code,score", *lines]) + "\n"
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_round_change_page_links_to_the_import_page(staff, assigned):
    response = staff.get(admin_url(EvaluationRound, "change", assigned.round.pk))

    assert import_url(assigned.round) in response.content.decode()


def test_staff_see_the_upload_form(staff, assigned):
    response = staff.get(import_url(assigned.round))

    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b"Import scores from a sheet" in response.content


def test_a_valid_sheet_is_imported_and_the_counts_are_shown(staff, assigned):
    receipt = assigned.application.receipt_number
    upload = sheet([f"{receipt},judge@example.com,technology,7", f"{receipt},judge@example.com,market,15"])

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 302
    assert response["Location"] == admin_url(EvaluationRound, "change", assigned.round.pk)
    assert messages_of(response) == [
        ("success", "Imported 2 rows from sheet.csv. Scores added: 2, changed: 0; reviews completed: 1.")
    ]
    assert Score.objects.count() == 2
    assigned.refresh_from_db()
    assert assigned.status == Assignment.Status.SUBMITTED


def test_a_sheet_with_bad_rows_shows_the_problems_with_their_lines_and_imports_nothing(staff, assigned):
    receipt = assigned.application.receipt_number
    upload = sheet([f"{receipt},judge@example.com,technology,7", f"{receipt},judge@example.com,market,25"])

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 200
    assert response.context["problems"] == [(3, "Score “25”: Enter a score from 0 to 20.")]
    assert b"score-sheet-problems" in response.content
    assert Score.objects.count() == 0


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_the_form(staff, assigned):
    upload = SimpleUploadedFile("sheet.pdf", b"%PDF-1.4")

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.status_code == 200
    assert response.context["form"].errors == {"sheet": ["Choose a .csv or .xlsx file."]}


def test_a_file_larger_than_five_megabytes_is_refused_by_the_form(staff, assigned):
    upload = SimpleUploadedFile("sheet.csv", io.BytesIO(b"x" * (5 * 1024 * 1024 + 1)).getvalue())

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert response.context["form"].errors == {"sheet": ["The file is larger than 5 MB."]}


def test_a_round_that_is_not_scoring_or_closed_shows_why_nothing_was_imported(staff, assigned):
    EvaluationRound.objects.filter(pk=assigned.round.pk).update(status=EvaluationRound.Status.ASSIGNING)
    receipt = assigned.application.receipt_number

    response = staff.post(import_url(assigned.round), {"sheet": sheet([f"{receipt},judge@example.com,market,5"])})

    assert "Scores can be imported only while a round is scoring or closed" in response.content.decode()
    assert Score.objects.count() == 0


def test_an_anonymous_visitor_is_sent_to_the_admin_login(client, assigned):
    url = import_url(assigned.round)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={url}")


def test_an_anonymous_upload_imports_nothing(client, assigned):
    receipt = assigned.application.receipt_number

    response = client.post(import_url(assigned.round), {"sheet": sheet([f"{receipt},judge@example.com,market,5"])})

    assert response.status_code == 302
    assert Score.objects.count() == 0


def test_a_staff_member_without_the_right_to_change_rounds_is_refused(client, assigned):
    client.force_login(factories.UserFactory(is_staff=True))

    response = client.get(import_url(assigned.round))

    assert response.status_code == 403


# --- a closed round: a reason, and results marked out of date --------------------------------------------


def close(evaluation_round) -> None:
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=EvaluationRound.Status.CLOSED)


def test_only_a_closed_round_asks_for_a_reason_and_it_imports_nothing_without_one(staff, assigned):
    receipt = assigned.application.receipt_number
    scoring_page = staff.get(import_url(assigned.round))
    close(assigned.round)

    page = staff.get(import_url(assigned.round))
    response = staff.post(import_url(assigned.round), {"sheet": sheet([f"{receipt},judge@example.com,market,5"])})

    assert "reason" not in scoring_page.context["form"].fields
    assert 'name="reason"' in page.content.decode()
    assert "Scoring is closed. Importing now needs a reason" in page.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors == {"reason": ["This field is required."]}
    assert Score.objects.count() == 0


def test_a_closed_round_with_a_reason_imports_records_each_score_and_warns_that_results_are_out_of_date(
    staff, assigned
):
    close(assigned.round)
    factories.RoundResultFactory(round=assigned.round, application=assigned.application)
    receipt = assigned.application.receipt_number
    upload = sheet([f"{receipt},judge@example.com,technology,7", f"{receipt},judge@example.com,market,15"])

    response = staff.post(import_url(assigned.round), {"sheet": upload, "reason": "On-site panel's paper sheets"})

    assert response.status_code == 302
    assert messages_of(response) == [
        ("success", "Imported 2 rows from sheet.csv. Scores added: 2, changed: 0; reviews completed: 1."),
        ("warning", "The round's results are now out of date: compute them again before publishing them."),
    ]
    assert (
        AuditEvent.objects.filter(verb="score_imported_after_close", reason="On-site panel's paper sheets").count() == 2
    )
    assert EvaluationRound.objects.get(pk=assigned.round.pk).results_stale is True


def test_a_sheet_with_korean_headers_and_several_bad_rows_lists_every_problem_at_once(staff, assigned):
    receipt = assigned.application.receipt_number
    factories.ConflictFactory(evaluator=assigned.evaluator, startup=assigned.application.startup)
    text = "\r\n".join(
        [
            "접수번호,평가위원 이메일,평가항목 코드,점수",
            f"{receipt},judge@example.com,technology,7,5",
            f'{receipt},judge@example.com,market,"1,000"',
            f"{receipt},judge@example.com,market,NaN",
        ]
    )
    upload = SimpleUploadedFile("sheet.csv", text.encode(), content_type="text/csv")

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    problems = response.context["problems"]
    assert [line for line, _message in problems] == [2, 3, 3, 4, 4, 4]
    assert "decimal comma probably split a number" in problems[0][1]
    assert "Use no thousands separators" in problems[2][1]
    assert "It is not a number" in problems[4][1]
    assert Score.objects.count() == 0


# --- the pre-filled sheet ----------------------------------------------------------------------------------


def template_url(evaluation_round, file_format: str) -> str:
    return reverse("admin:matching_evaluationround_score_sheet_template", args=[evaluation_round.pk, file_format])


def test_the_import_page_offers_the_pre_filled_sheet_as_csv_and_xlsx(staff, assigned):
    response = staff.get(import_url(assigned.round))

    content = response.content.decode()
    assert template_url(assigned.round, "csv") in content
    assert template_url(assigned.round, "xlsx") in content
    assert "Download as Excel (.xlsx)" in content


def test_the_pre_filled_csv_opens_in_korean_excel_and_neutralises_formulas(staff, assigned):
    Criterion.objects.filter(round=assigned.round, code="market").update(label_en='=HYPERLINK("http://x")')

    response = staff.get(template_url(assigned.round, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        f'attachment; filename="score-sheet-{assigned.round.program.slug}-round{assigned.round.order}-'
    )
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["receipt_number", "evaluator_email", "criterion_code", "criterion name", "maximum score", "score"],
        [assigned.application.receipt_number, "judge@example.com", "technology", "Technology", "10", ""],
        [assigned.application.receipt_number, "judge@example.com", "market", '\'=HYPERLINK("http://x")', "20", ""],
    ]


def test_a_pre_filled_csv_in_korean_filled_in_imports_back_through_the_page(staff, assigned):
    staff.cookies["django_language"] = "ko"
    download = staff.get(template_url(assigned.round, "csv"))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    rows[1][-1], rows[2][-1] = "７．５", "18"  # typed with a Korean IME
    filled = io.StringIO()
    csv.writer(filled).writerows(rows)
    upload = SimpleUploadedFile("평가표.csv", filled.getvalue().encode("cp949"), content_type="text/csv")

    response = staff.post(import_url(assigned.round), {"sheet": upload})

    assert rows[0][:4] == ["접수번호", "평가위원 이메일", "평가항목 코드", "평가항목명"]
    assert response.status_code == 302
    assert dict(Score.objects.values_list("criterion__code", "value")) == {
        "technology": Decimal("7.5"),
        "market": Decimal("18"),
    }


def test_a_pre_filled_xlsx_filled_in_imports_back_through_the_page(staff, assigned):
    download = staff.get(template_url(assigned.round, "xlsx"))
    workbook = load_workbook(io.BytesIO(download.content))
    worksheet = workbook.worksheets[0]
    worksheet["F2"], worksheet["F3"] = 7.1, 12.5
    filled = io.BytesIO()
    workbook.save(filled)

    response = staff.post(import_url(assigned.round), {"sheet": SimpleUploadedFile("sheet.xlsx", filled.getvalue())})

    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.status_code == 302
    assert dict(Score.objects.values_list("criterion__code", "value")) == {
        "technology": Decimal("7.1"),
        "market": Decimal("12.5"),
    }
    assert Assignment.objects.get().status == Assignment.Status.SUBMITTED


@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_the_pre_filled_sheet_takes_the_same_queries_for_a_small_and_a_large_round(
    staff, assigned, django_assert_num_queries, file_format
):
    large = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    for code in ("technology", "market", "team"):
        factories.CriterionFactory(round=large, code=code)
    for application in factories.ApplicationFactory.create_batch(10, program=large.program, in_review=True):
        for evaluator in factories.EvaluatorFactory.create_batch(3):
            factories.AssignmentFactory(round=large, application=application, evaluator=evaluator)
    staff.get(template_url(assigned.round, file_format))  # the session and content types are warm

    with django_assert_num_queries(6):
        small_response = staff.get(template_url(assigned.round, file_format))
    with django_assert_num_queries(6):
        large_response = staff.get(template_url(large, file_format))

    assert (small_response.status_code, large_response.status_code) == (200, 200)


def test_an_anonymous_visitor_gets_no_pre_filled_sheet(client, assigned):
    url = template_url(assigned.round, "csv")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(f"/admin/login/?next={url}")


def test_a_staff_member_without_the_right_to_change_rounds_gets_no_pre_filled_sheet(client, assigned):
    client.force_login(factories.UserFactory(is_staff=True))

    response = client.get(template_url(assigned.round, "xlsx"))

    assert response.status_code == 403


def test_a_pre_filled_sheet_in_another_format_is_not_found(staff, assigned):
    response = staff.get(template_url(assigned.round, "pdf"))

    assert response.status_code == 404
