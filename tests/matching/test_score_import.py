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
from matching.models import Assignment, Criterion, EvaluationRound, Review, Score
from matching.services.score_import import (
    ScoreSheetInvalid,
    read_score_sheet,
    score_sheet_template,
    scores_import,
)
from matching.services.selection import results_publish
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


def run_import(evaluation_round, upload, by, *, reason=""):
    return scores_import(
        round=evaluation_round, by=by, rows=read_score_sheet(upload), source_name=upload.name, reason=reason
    )


def refused_problems(evaluation_round, upload, by, *, reason="") -> list[tuple[int, str]]:
    with pytest.raises(ScoreSheetInvalid) as refused:
        run_import(evaluation_round, upload, by, reason=reason)
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
        (["{receipt}", "{email}", "technology", "abc"], "It is not a number"),
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


def test_an_import_into_a_closed_round_with_a_reason_is_allowed_and_recorded_once_as_an_import(staff_member):
    evaluation_round, receipts, emails = make_round(status=EvaluationRound.Status.CLOSED)

    run_import(
        evaluation_round,
        csv_upload(full_sheet(receipts, emails), name="paper-2024.csv"),
        staff_member,
        reason="현장 평가 용지",
    )

    content_type = ContentType.objects.get_for_model(EvaluationRound)
    [event] = AuditEvent.objects.filter(
        content_type=content_type, object_id=str(evaluation_round.pk), verb="scores_imported"
    )
    assert (event.actor, event.reason) == (staff_member, "현장 평가 용지")
    assert event.data["source"] == "paper-2024.csv"
    assert (event.data["round_status"], event.data["rows"], event.data["reviews_completed"]) == ("closed", 8, 4)


@pytest.mark.parametrize(
    "status",
    [EvaluationRound.Status.ASSIGNING, EvaluationRound.Status.RESULTS_COMPUTED, EvaluationRound.Status.PUBLISHED],
)
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

    # 16: with the one insert of every review's changed scores (old → new) for the change history.
    with django_assert_num_queries(16):
        scores_import(round=small_round, by=staff_member, rows=small, source_name="small.csv")
    with django_assert_num_queries(16):
        report = scores_import(round=large_round, by=staff_member, rows=large, source_name="large.csv")

    assert report.scores_created == 72


def test_an_import_after_closing_records_every_changed_score_in_queries_that_do_not_grow(
    staff_member, django_assert_num_queries
):
    ContentType.objects.get_for_model(EvaluationRound)  # the content type cache is filled once per process
    small_round, receipts, emails = make_round(applications=2, evaluators=2, status=EvaluationRound.Status.CLOSED)
    small = read_score_sheet(csv_upload(full_sheet(receipts, emails)))
    large_round, receipts, emails = make_round(applications=12, evaluators=3, status=EvaluationRound.Status.CLOSED)
    large = read_score_sheet(csv_upload(full_sheet(receipts, emails)))

    # 18: with the one insert of every review's changed scores (old → new) for the change history.
    with django_assert_num_queries(18):
        scores_import(round=small_round, by=staff_member, rows=small, source_name="small.csv", reason="늦은 용지")
    with django_assert_num_queries(18):
        scores_import(round=large_round, by=staff_member, rows=large, source_name="large.csv", reason="늦은 용지")

    assert len(round_events(large_round, "score_imported_after_close")) == 72


# --- strict numbers ------------------------------------------------------------------------------------


def raw_csv_upload(lines: list[str], *, header: str = ",".join(HEADER), name="sheet.csv") -> SimpleUploadedFile:
    """A CSV file exactly as written, unquoted, as a person or another program may type it."""
    return SimpleUploadedFile(name, ("\r\n".join([header, *lines]) + "\r\n").encode(), content_type="text/csv")


def nothing_was_written() -> bool:
    return not Score.objects.exists() and not Review.objects.exists()


@pytest.mark.parametrize("score", ["1,000", "10,000", "1,000.5"])
def test_a_thousands_separator_is_refused_rather_than_read_as_a_decimal_comma(staff_member, score):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    sheet = [[receipt, email, "market", "12"], [receipt, email, "technology", score]]

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member)

    assert problems == [(3, f"Score “{score}”: Use no thousands separators: write 1000, not 1,000.")]
    assert nothing_was_written()


def test_an_unquoted_decimal_comma_that_splits_a_csv_row_is_refused_with_its_line(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    upload = raw_csv_upload([f"{receipt},{email},market,12", ",,,,,", f"{receipt},{email},technology,7,5"])

    problems = refused_problems(evaluation_round, upload, staff_member)

    [(line, message)] = problems
    assert line == 4
    assert "has 5 cells but the header row has 4" in message
    assert "decimal comma probably split a number" in message
    assert "decimal point" in message
    assert nothing_was_written()


def test_a_decimal_comma_split_is_found_even_when_the_last_column_was_left_empty(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    upload = raw_csv_upload([f"{receipt},{email},technology,7,5,"], header=",".join([*HEADER, "memo"]))

    problems = refused_problems(evaluation_round, upload, staff_member)

    assert [(line, "decimal comma" in message) for line, message in problems] == [(2, True)]
    assert nothing_was_written()


@pytest.mark.parametrize(
    ("header", "cells", "expected"),
    [
        (
            [*HEADER, "score"],
            ["{receipt}", "{email}", "technology", "5", "9"],
            "column score 2 times (“score”, “score”)",
        ),
        (
            [*HEADER[:3], "점수", "Score"],
            ["{receipt}", "{email}", "technology", "5", "9"],
            "column score 2 times (“점수”, “Score”)",
        ),
        (
            ["접수번호", "receipt number", *HEADER[1:]],
            ["{receipt}", "{receipt}", "{email}", "technology", "5"],
            "column receipt_number 2 times (“접수번호”, “receipt number”)",
        ),
    ],
)
def test_a_column_named_twice_in_the_header_is_refused_and_named(staff_member, header, cells, expected):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    row = [cell.format(receipt=receipt, email=email) for cell in cells]

    problems = refused_problems(evaluation_round, csv_upload([row], header=header), staff_member)

    [(line, message)] = problems
    assert line == 1
    assert expected in message
    assert nothing_was_written()


@pytest.mark.parametrize("score", ["NaN", "nan", "inf", "-inf", "Infinity", "1e1", "7E0", "1,5e0"])
def test_nan_infinity_and_scientific_notation_are_not_numbers(staff_member, score):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)

    problems = refused_problems(evaluation_round, csv_upload([[receipt, email, "technology", score]]), staff_member)

    [(line, message)] = problems
    assert line == 2
    assert "not a number" in message
    assert "from 0 to" not in message
    assert nothing_was_written()


def test_full_width_digits_typed_with_a_korean_ime_are_read(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    sheet = [[receipt, email, "technology", "７．５"], [receipt, email, "market", "１６"]]

    run_import(evaluation_round, csv_upload(sheet), staff_member)

    assert dict(Score.objects.values_list("criterion__code", "value")) == {
        "technology": Decimal("7.5"),
        "market": Decimal("16"),
    }


def test_a_trailing_zero_beyond_two_decimals_is_refused_rather_than_dropped(staff_member):
    # "1.000" is a thousand to half of Europe: it must not quietly become 1.
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)

    problems = refused_problems(evaluation_round, csv_upload([[receipt, email, "technology", "1.000"]]), staff_member)

    assert problems == [(2, "Score “1.000”: Use at most two decimal places.")]


def test_excel_number_cells_keep_their_exact_value_and_text_cells_are_read_like_csv_text(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)

    run_import(
        evaluation_round,
        xlsx_upload([[receipt, email, "technology", 7.1], [receipt, email, "market", "１２．５"]]),
        staff_member,
    )

    assert dict(Score.objects.values_list("criterion__code", "value")) == {
        "technology": Decimal("7.1"),
        "market": Decimal("12.5"),
    }


def test_excel_cells_that_are_not_two_decimal_scores_are_refused_line_by_line(staff_member):
    evaluation_round, receipts, [email] = make_round(applications=2, evaluators=1)
    sheet = [
        [receipts[0], email, "technology", 7.125],
        [receipts[0], email, "market", "1,000"],
        [receipts[1], email, "technology", 1e-05],
        [receipts[1], email, "market", "NaN"],
    ]

    problems = refused_problems(evaluation_round, xlsx_upload(sheet), staff_member)

    assert [(line, message.split(": ", 1)[1]) for line, message in problems] == [
        (2, "Use at most two decimal places."),
        (3, "Use no thousands separators: write 1000, not 1,000."),
        (4, "Use at most two decimal places."),
        (5, "It is not a number: write digits with a decimal point, such as 7.5."),
    ]
    assert nothing_was_written()


# --- Korean headers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        ["접수번호", "평가위원 이메일", "평가항목 코드", "점수"],
        ["접수번호", "평가위원이메일", "평가항목코드", "점수"],
    ],
)
def test_the_korean_column_names_are_read(staff_member, header):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    sheet = [[receipt, email, "technology", "8"], [receipt, email, "market", "16"]]

    report = run_import(evaluation_round, csv_upload(sheet, header=header, encoding="cp949"), staff_member)

    assert (report.scores_created, report.reviews_completed) == (2, 1)


# --- conflicts of interest ------------------------------------------------------------------------------


def test_an_evaluator_with_a_recorded_conflict_of_interest_takes_no_score(staff_member):
    evaluation_round, [receipt], [email, other] = make_round(applications=1, evaluators=2)
    assignment = Assignment.objects.get(evaluator__user__email=email)
    factories.ConflictFactory(evaluator=assignment.evaluator, startup=assignment.application.startup)
    sheet = [[receipt, other, "technology", "5"], [receipt, email, "technology", "6"]]

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member)

    assert problems == [
        (
            3,
            f"{email} has a recorded conflict of interest with the startup of {receipt}, "
            "so their score cannot be counted.",
        )
    ]
    assert nothing_was_written()


# --- a closed round ------------------------------------------------------------------------------------

R = EvaluationRound.Status


def round_events(evaluation_round, verb: str) -> list[AuditEvent]:
    content_type = ContentType.objects.get_for_model(EvaluationRound)
    return list(
        AuditEvent.objects.filter(content_type=content_type, object_id=str(evaluation_round.pk), verb=verb).order_by(
            "pk"
        )
    )


@pytest.mark.parametrize("reason", ["", "   "])
def test_an_import_into_a_closed_round_without_a_reason_is_refused_and_changes_nothing(staff_member, reason):
    evaluation_round, receipts, emails = make_round(status=R.CLOSED)

    with pytest.raises(DomainError) as refused:
        run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member, reason=reason)

    assert refused.value.code == "reason_required"
    assert "say why" in refused.value.message
    assert nothing_was_written()
    assert not AuditEvent.objects.exists()


def test_each_score_changed_after_closing_is_audited_with_its_old_and_new_value_and_the_reason(staff_member):
    evaluation_round, [receipt], [email] = make_round(applications=1, evaluators=1)
    run_import(
        evaluation_round,
        csv_upload([[receipt, email, "technology", "3"], [receipt, email, "market", "12"]]),
        staff_member,
    )
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.CLOSED)
    factories.CriterionFactory(round=evaluation_round, code="team", max_score=Decimal("5"), order=3)
    sheet = [
        [receipt, email.upper(), "technology", "9"],  # changed
        [receipt, email, "market", "12.00"],  # the same value: no event
        [receipt, email, "team", "4.5"],  # new
    ]

    run_import(evaluation_round, csv_upload(sheet, name="paper.csv"), staff_member, reason="현장 심사 용지 반영")

    events = round_events(evaluation_round, "score_imported_after_close")
    assert [(e.actor, e.from_state, e.to_state, e.reason) for e in events] == [
        (staff_member, "3", "9", "현장 심사 용지 반영"),
        (staff_member, "", "4.5", "현장 심사 용지 반영"),
    ]
    assert events[0].data == {
        "criterion_code": "technology",
        "old": "3",
        "new": "9",
        "receipt_number": receipt,
        "evaluator_email": email,
        "assignment_id": Assignment.objects.get().pk,
        "source": "paper.csv",
        "reason": "현장 심사 용지 반영",
    }
    assert (events[1].data["criterion_code"], events[1].data["old"], events[1].data["new"]) == ("team", None, "4.5")


def test_an_import_after_closing_marks_the_stored_results_out_of_date(staff_member):
    evaluation_round, receipts, emails = make_round(status=R.CLOSED)
    factories.RoundResultFactory(round=evaluation_round, application=Assignment.objects.first().application)

    report = run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member, reason="늦은 용지")

    evaluation_round.refresh_from_db()
    assert evaluation_round.results_stale is True
    assert report.results_marked_stale is True
    assert round_events(evaluation_round, "scores_imported")[0].data["results_marked_stale"] is True


def test_an_import_after_closing_that_changes_nothing_leaves_the_results_current(staff_member):
    evaluation_round, receipts, emails = make_round()
    run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member)
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.CLOSED)
    factories.RoundResultFactory(round=evaluation_round, application=Assignment.objects.first().application)

    report = run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member, reason="재확인")

    evaluation_round.refresh_from_db()
    assert (evaluation_round.results_stale, report.results_marked_stale, report.changed) == (False, False, False)
    assert round_events(evaluation_round, "score_imported_after_close") == []


def test_an_import_after_closing_into_a_round_without_results_marks_nothing_out_of_date(staff_member):
    evaluation_round, receipts, emails = make_round(status=R.CLOSED)

    report = run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member, reason="늦은 용지")

    evaluation_round.refresh_from_db()
    assert (evaluation_round.results_stale, report.results_marked_stale) == (False, False)
    assert len(round_events(evaluation_round, "score_imported_after_close")) == 8


def test_a_refused_import_after_closing_changes_no_score_no_result_and_no_record(staff_member):
    evaluation_round, receipts, emails = make_round(status=R.CLOSED)
    factories.RoundResultFactory(round=evaluation_round, application=Assignment.objects.first().application)
    sheet = full_sheet(receipts, emails)
    sheet[-1][-1] = "1,000"

    problems = refused_problems(evaluation_round, csv_upload(sheet), staff_member, reason="늦은 용지")

    assert [line for line, _message in problems] == [9]
    evaluation_round.refresh_from_db()
    assert evaluation_round.results_stale is False
    assert nothing_was_written()
    assert not AuditEvent.objects.exists()


def submitted_closed_round_with_results(staff_member):
    """A round whose reviews were all submitted while scoring, then closed, its results computed and the
    round closed again (a late paper sheet turned up)."""
    from matching.services.rounds import round_close
    from matching.services.scoring import results_compute

    evaluation_round, receipts, emails = make_round(applications=2, evaluators=1)
    run_import(evaluation_round, csv_upload(full_sheet(receipts, emails)), staff_member)
    round_close(round=evaluation_round, by=staff_member)
    results_compute(round=evaluation_round, by=staff_member)
    round_close(round=evaluation_round, by=staff_member)
    return evaluation_round, receipts, emails


def test_scores_imported_after_the_results_block_publishing_them(staff_member):
    evaluation_round, receipts, [email] = submitted_closed_round_with_results(staff_member)
    run_import(
        evaluation_round, csv_upload([[receipts[0], email, "technology", "2"]]), staff_member, reason="늦은 용지"
    )
    # However the round gets back to "results computed", the stale results are not published.
    EvaluationRound.objects.filter(pk=evaluation_round.pk).update(status=R.RESULTS_COMPUTED)

    with pytest.raises(DomainError) as refused:
        results_publish(round=evaluation_round, by=staff_member)

    assert refused.value.code == "results_stale"
    evaluation_round.refresh_from_db()
    assert evaluation_round.status == R.RESULTS_COMPUTED


def test_computing_the_results_again_clears_the_mark_so_they_can_be_published(staff_member):
    from matching.services.scoring import results_compute

    evaluation_round, receipts, [email] = submitted_closed_round_with_results(staff_member)
    run_import(
        evaluation_round, csv_upload([[receipts[0], email, "technology", "2"]]), staff_member, reason="늦은 용지"
    )

    results_compute(round=evaluation_round, by=staff_member)
    results_publish(round=evaluation_round, by=staff_member)

    evaluation_round.refresh_from_db()
    assert (evaluation_round.status, evaluation_round.results_stale) == (R.PUBLISHED, False)


# --- the pre-filled template ----------------------------------------------------------------------------


def template_rows(evaluation_round) -> tuple[list[str], list[list]]:
    header, rows = score_sheet_template(round=evaluation_round)
    return header, list(rows)


def test_the_template_has_a_row_per_assignment_and_criterion_with_the_criterion_name_and_maximum():
    evaluation_round, receipts, emails = make_round(applications=2, evaluators=2)
    Criterion.objects.filter(round=evaluation_round, code="market").update(label_en="Market", label_ko="시장성")

    header, rows = template_rows(evaluation_round)

    assert header == ["receipt_number", "evaluator_email", "criterion_code", "criterion name", "maximum score", "score"]
    assert [row[:3] for row in rows] == [
        [receipt, email, code]
        for receipt in sorted(receipts)
        for email in sorted(emails)
        for code in ("technology", "market")
    ]
    assert rows[0][3:] == ["Technology", Decimal("10"), None]
    assert rows[1][3:] == ["Market", Decimal("20"), None]


def test_the_template_in_korean_has_korean_column_names_and_criterion_names():
    evaluation_round, _receipts, _emails = make_round(applications=1, evaluators=1)

    with translation.override("ko"):
        header, rows = template_rows(evaluation_round)

    assert header == ["접수번호", "평가위원 이메일", "평가항목 코드", "평가항목명", "배점", "점수"]
    assert rows[0][3] == "기술성"


def test_the_template_leaves_out_recused_and_conflicted_assignments():
    evaluation_round, [receipt], [kept, recused, conflicted] = make_round(applications=1, evaluators=3)
    Assignment.objects.filter(evaluator__user__email=recused).update(status=Assignment.Status.RECUSED)
    assignment = Assignment.objects.get(evaluator__user__email=conflicted)
    factories.ConflictFactory(evaluator=assignment.evaluator, startup=assignment.application.startup)

    _header, rows = template_rows(evaluation_round)

    assert {row[1] for row in rows} == {kept}


def test_a_filled_template_imports_back_as_it_is(staff_member):
    evaluation_round, receipts, emails = make_round(applications=2, evaluators=2)
    header, rows = template_rows(evaluation_round)
    filled = [[*row[:5], "7.5" if row[2] == "technology" else "15"] for row in rows]

    report = run_import(evaluation_round, csv_upload(filled, header=header), staff_member)

    assert (report.scores_created, report.reviews_completed) == (8, 4)


def test_the_template_takes_two_queries_whatever_the_number_of_assignments(django_assert_num_queries):
    small, _receipts, _emails = make_round(applications=1, evaluators=1)
    large, _receipts, _emails = make_round(applications=8, evaluators=3)

    with django_assert_num_queries(2):
        assert len(template_rows(small)[1]) == 2
    with django_assert_num_queries(2):
        assert len(template_rows(large)[1]) == 48
