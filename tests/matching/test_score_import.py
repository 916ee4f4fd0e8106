"""Scores from offline sheets: every row checked, all rows imported or none, reviews completed."""

import csv
import io
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from openpyxl import Workbook

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import Assignment, EvaluationRound, Review, Score
from matching.services.score_import import ScoreSheetInvalid, read_score_sheet, scores_import
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = ["receipt_number", "evaluator_email", "criterion_code", "score"]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def staff_member():
    return factories.UserFactory(staff=True)


def make_round(*, applications: int = 2, evaluators: int = 2, status=EvaluationRound.Status.SCORING):
    """A round with criteria `technology` (max 10) and `market` (max 20); every evaluator assigned to
    every application."""
    evaluation_round = factories.EvaluationRoundFactory(status=status)
    factories.CriterionFactory(round=evaluation_round, code="technology", max_score=Decimal("10"), order=1)
    factories.CriterionFactory(round=evaluation_round, code="market", max_score=Decimal("20"), order=2)
    people = [
        factories.EvaluatorFactory(user__email=f"judge{evaluation_round.pk}-{n}@example.com") for n in range(evaluators)
    ]
    receipts = []
    for _n in range(applications):
        application = factories.ApplicationFactory(program=evaluation_round.program, in_review=True)
        receipts.append(application.receipt_number)
        for evaluator in people:
            factories.AssignmentFactory(round=evaluation_round, application=application, evaluator=evaluator)
    return evaluation_round, receipts, [e.user.email for e in people]


def full_sheet(receipts, emails) -> list[list[str]]:
    return [
        [receipt, email, code, score]
        for receipt in receipts
        for email in emails
        for code, score in (("technology", "7.5"), ("market", "15"))
    ]


def csv_upload(rows, *, header=HEADER, encoding="utf-8", name="sheet.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    if header:
        writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows, *, header=HEADER, name="sheet.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    content = io.BytesIO()
    workbook.save(content)
    return SimpleUploadedFile(name, content.getvalue())


def run_import(evaluation_round, upload, by):
    return scores_import(round=evaluation_round, by=by, rows=read_score_sheet(upload), source_name=upload.name)


def refused_problems(evaluation_round, upload, by) -> list[tuple[int, str]]:
    with pytest.raises(ScoreSheetInvalid) as refused:
        run_import(evaluation_round, upload, by)
    return refused.value.problems


def test_a_valid_csv_imports_every_score_and_submits_the_completed_reviews(staff_member):
    evaluation_round, receipts, emails = make_round()

    report = run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member)

    assert (report.rows, report.scores_created, report.scores_updated, report.reviews_completed) == (8, 8, 0, 4)
    assert sorted(Score.objects.values_list("value", flat=True)) == [Decimal("7.5")] * 4 + [Decimal("15")] * 4
    assert set(Assignment.objects.values_list("status", flat=True)) == {Assignment.Status.SUBMITTED}
    assert not Review.objects.filter(submitted_at__isnull=True).exists()


def test_scores_copy_the_round_and_maximum_of_their_criterion(staff_member):
    evaluation_round, receipts, emails = make_round(applications=1, evaluators=1)

    run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member)

    assert {(s.round_id, s.max_score, s.criterion.max_score) for s in Score.objects.select_related("criterion")} == {
        (evaluation_round.pk, Decimal("10"), Decimal("10")),
        (evaluation_round.pk, Decimal("20"), Decimal("20")),
    }


def test_the_same_sheet_as_xlsx_imports_the_same_scores(staff_member):
    evaluation_round, receipts, emails = make_round()

    report = run_import(evaluation_round, xlsx_upload(full_sheet(receipts, emails)), staff_member)

    assert (report.rows, report.scores_created, report.reviews_completed) == (8, 8, 4)


def test_numbers_typed_as_numbers_in_excel_are_read_as_scores(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)

    run_import(
        evaluation_round,
        xlsx_upload([[receipt, email, "technology", 7], [receipt, email, "market", 12.5]]),
        staff_member,
    )

    assert sorted(Score.objects.values_list("value", flat=True)) == [Decimal("7"), Decimal("12.5")]


def test_a_csv_saved_by_korean_excel_in_cp949_is_read(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    rows = [[receipt, email, "technology", "8", "기술력 우수"], [receipt, email, "market", "16", "시장 큼"]]

    report = run_import(evaluation_round, csv_upload(rows, header=[*HEADER, "메모"], encoding="cp949"), staff_member)

    assert report.scores_created == 2


def test_a_utf8_csv_with_a_byte_order_mark_is_read(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    rows = [[receipt, email, "technology", "8"], [receipt, email, "market", "16"]]

    report = run_import(evaluation_round, csv_upload(rows, encoding="utf-8-sig"), staff_member)

    assert report.scores_created == 2


def test_columns_in_any_order_with_extra_columns_padded_cells_and_capitalised_emails_are_read(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    header = [" Score ", "note", "criterion_code", "EVALUATOR_EMAIL", "receipt_number"]
    rows = [["7,5", "x", " technology ", email.upper(), f" {receipt} "], ["16", "", "market", email, receipt]]

    run_import(evaluation_round, csv_upload(rows, header=header), staff_member)

    assert sorted(Score.objects.values_list("value", flat=True)) == [Decimal("7.5"), Decimal("16")]


def test_a_sheet_with_only_some_criteria_leaves_the_review_in_progress(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)

    report = run_import(evaluation_round, csv_upload([[receipt, email, "technology", "7"]]), staff_member)

    assignment = Assignment.objects.select_related("review").get()
    assert report.reviews_completed == 0
    assert (assignment.status, assignment.review.submitted_at) == (Assignment.Status.IN_PROGRESS, None)


def test_an_imported_score_replaces_the_one_the_evaluator_saved(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    run_import(evaluation_round, csv_upload([[receipt, email, "technology", "3"]]), staff_member)

    report = run_import(evaluation_round, csv_upload([[receipt, email, "technology", "9"]]), staff_member)

    assert (report.scores_created, report.scores_updated) == (0, 1)
    assert Score.objects.get().value == Decimal("9")


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (["NOPE-1", "{email}", "technology", "5"], "Unknown receipt number “NOPE-1”"),
        (["{receipt}", "nobody@example.com", "technology", "5"], "No evaluator has the e-mail address"),
        (["{receipt}", "{email}", "design", "5"], "no criterion “design”"),
        (["{receipt}", "{email}", "technology", "abc"], "Enter a number."),
        (["{receipt}", "{email}", "technology", "11"], "Enter a score from 0 to 10."),
        (["{receipt}", "{email}", "technology", "-1"], "Enter a score from 0 to 10."),
        (["{receipt}", "{email}", "technology", "7.125"], "Use at most two decimal places."),
        (["{receipt}", "{email}", "technology", ""], "The score is missing."),
        (["", "{email}", "technology", "5"], "The receipt number is missing."),
    ],
)
def test_a_bad_row_is_reported_with_its_line_number_and_nothing_is_written(staff_member, row, expected):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    bad = [cell.format(receipt=receipt, email=email) for cell in row]
    sheet = [[receipt, email, "market", "12"], bad]

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member)

    assert [line for line, _message in problems] == [3]
    assert expected in problems[0][1]
    assert Score.objects.count() == 0
    assert Review.objects.count() == 0
    assert Assignment.objects.get().status == Assignment.Status.PENDING


def test_every_bad_row_of_a_sheet_is_reported_in_order(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    sheet = [
        ["NOPE-1", email, "technology", "5"],
        [receipt, email, "market", "12"],
        [receipt, email, "design", "99"],
        ["", "", "", ""],
        [receipt, "nobody@example.com", "technology", "x"],
    ]

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member)

    assert [line for line, _message in problems] == [2, 4, 6, 6]
    assert Score.objects.count() == 0


def test_an_evaluator_not_assigned_to_the_application_is_reported(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    outsider = factories.EvaluatorFactory(user__email="outsider@example.com")

    problems = refused_problems(
        evaluation_round, csv_upload([[receipt, outsider.user.email, "technology", "5"]]), staff_member
    )

    assert problems == [(2, f"outsider@example.com is not assigned to {receipt} in this round.")]


def test_an_application_of_another_program_is_an_unknown_receipt(staff_member):
    evaluation_round, _receipts, [email] = make_round(applications=1, evaluators=1)
    elsewhere = factories.ApplicationFactory(in_review=True)

    problems = refused_problems(
        evaluation_round, csv_upload([[elsewhere.receipt_number, email, "technology", "5"]]), staff_member
    )

    assert [line for line, _message in problems] == [2]
    assert "Unknown receipt number" in problems[0][1]


def test_a_recused_assignment_takes_no_scores(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    Assignment.objects.update(status=Assignment.Status.RECUSED)

    problems = refused_problems(evaluation_round, csv_upload([[receipt, email, "technology", "5"]]), staff_member)

    assert problems == [(2, f"{email} has recused themselves from {receipt}.")]
    assert Score.objects.count() == 0


def test_the_same_score_twice_in_a_sheet_is_reported_as_a_duplicate(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    sheet = [[receipt, email, "technology", "5"], [receipt, email.upper(), "technology", "6"]]

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member)

    assert problems == [(3, "Repeats line 2: the same receipt number, evaluator and criterion.")]
    assert Score.objects.count() == 0


def test_missing_columns_are_named_in_one_problem(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    upload = csv_upload([[receipt, email]], header=["receipt_number", "evaluator_email"])

    problems = refused_problems(evaluation_round, upload, staff_member)

    assert problems == [(1, "Columns missing from the header row: criterion_code, score.")]


def test_an_empty_file_is_refused():
    with pytest.raises(ScoreSheetInvalid) as refused:
        read_score_sheet(SimpleUploadedFile("sheet.csv", b""))

    assert [line for line, _message in refused.value.problems] == [1]


def test_a_sheet_with_only_its_header_is_refused(staff_member):
    evaluation_round, _receipts, _emails = make_round(applications=1, evaluators=1)

    problems = refused_problems(evaluation_round, csv_upload([]), staff_member)

    assert problems == [(1, "The sheet has no score rows.")]


def test_a_file_that_is_neither_utf8_nor_korean_csv_is_refused():
    with pytest.raises(ScoreSheetInvalid):
        read_score_sheet(SimpleUploadedFile("sheet.csv", b"\xff\xfe\xff\x00\x81"))


def test_importing_the_same_sheet_again_changes_nothing(staff_member):
    evaluation_round, receipts, emails = make_round()
    upload = csv_upload(full_sheet(receipts, emails))
    run_import(evaluation_round, upload, staff_member)
    before = list(Score.objects.order_by("pk").values_list("pk", "value"))
    submitted = list(Review.objects.order_by("pk").values_list("pk", "submitted_at"))
    events = AuditEvent.objects.count()
    upload.seek(0)

    report = run_import(evaluation_round, upload, staff_member)

    assert (report.scores_created, report.scores_updated, report.reviews_completed) == (0, 0, 0)
    assert list(Score.objects.order_by("pk").values_list("pk", "value")) == before
    assert list(Review.objects.order_by("pk").values_list("pk", "submitted_at")) == submitted
    assert AuditEvent.objects.count() == events


def test_an_import_into_a_closed_round_is_allowed_and_recorded_once_in_the_audit_trail(staff_member):
    evaluation_round, receipts, emails = make_round(status=EvaluationRound.Status.CLOSED)

    run_import(evaluation_round, csv_upload(full_sheet(receipts, emails), name="paper-2024.csv"), staff_member)

    content_type = ContentType.objects.get_for_model(EvaluationRound)
    [event] = AuditEvent.objects.filter(content_type=content_type, object_id=str(evaluation_round.pk))
    assert (event.actor, event.verb) == (staff_member, "scores_imported")
    assert event.data["source"] == "paper-2024.csv"
    assert (event.data["round_status"], event.data["rows"], event.data["reviews_completed"]) == ("closed", 8, 4)


@pytest.mark.parametrize("status", [EvaluationRound.Status.ASSIGNING, EvaluationRound.Status.PUBLISHED])
def test_a_round_that_is_not_scoring_or_closed_takes_no_scores(staff_member, status):
    evaluation_round, receipts, emails = make_round(status=status)

    with pytest.raises(DomainError) as refused:
        run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member)

    assert refused.value.code == "round_not_importable"
    assert Score.objects.count() == 0


def test_the_number_of_queries_does_not_grow_with_the_rows(staff_member, django_assert_num_queries):
    ContentType.objects.get_for_model(EvaluationRound)  # the content type cache is filled once per process
    small_round, receipts, emails = make_round(applications=2, evaluators=2)
    small = read_score_sheet(csv_upload(full_sheet(receipts, emails)))
    large_round, receipts, emails = make_round(applications=12, evaluators=3)
    large = read_score_sheet(csv_upload(full_sheet(receipts, emails)))

    with django_assert_num_queries(14):
        scores_import(round=small_round, by=staff_member, rows=small, source_name="small.csv")
    with django_assert_num_queries(14):
        report = scores_import(round=large_round, by=staff_member, rows=large, source_name="large.csv")

    assert report.scores_created == 72
