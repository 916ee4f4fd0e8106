"""The rows of the applications, reviews and round results exports, and the admin's export actions."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from matching.exports import (
    applications_table,
    reviews_table,
    round_results_table,
    rows_to_csv,
    rows_to_xlsx,
)
from matching.models import Assignment, Question, Review, RoundResult
from startups.models import Application
from tests import factories
from tests.admin.conftest import post_action

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MARCH_2_0030_UTC = dt.datetime(2026, 3, 2, 0, 30, tzinfo=dt.UTC)


def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def as_dict(table) -> list[dict]:
    header, rows = table
    return [dict(zip(header, row, strict=True)) for row in rows]


def application(program, **startup):
    return factories.ApplicationFactory(
        in_review=True, program=program, startup=factories.StartupFactory(**startup), submitted_at=MARCH_2_0030_UTC
    )


def scored_round():
    """A round with two criteria (weights 30 and 70, maxima 10 and 20) and one submitted review."""
    evaluation_round = factories.EvaluationRoundFactory()
    technology = factories.CriterionFactory(round=evaluation_round, label_en="Technology", order=1)
    market = factories.CriterionFactory(
        round=evaluation_round, label_en="Market", weight=Decimal("70"), max_score=Decimal("20"), order=2
    )
    evaluator = factories.EvaluatorFactory(user=factories.UserFactory(email="kim@example.com", name="김평가"))
    assignment = factories.AssignmentFactory(
        round=evaluation_round, evaluator=evaluator, status=Assignment.Status.SUBMITTED
    )
    review = factories.ReviewFactory(assignment=assignment, submitted_at=timezone.now())
    factories.ScoreFactory(review=review, criterion=technology, value=Decimal("7"))
    factories.ScoreFactory(review=review, criterion=market, value=Decimal("15"))
    return evaluation_round, assignment


# ---- applications


def test_an_application_row_has_the_startup_in_korean_and_english_and_the_submission_in_the_program_time_zone():
    program = factories.ProgramFactory(time_zone="America/New_York")
    app = application(program, name_ko="주식회사 매치데이", name_en="Matchday Inc.", founded_on=dt.date(2021, 5, 1))

    with translation.override("en"):
        [row] = as_dict(applications_table(Application.objects.filter(program=program)))

    assert row["receipt number"] == app.receipt_number
    assert row["status"] == "in review"
    assert row["legal name (Korean)"] == "주식회사 매치데이"
    assert row["English name"] == "Matchday Inc."
    assert row["business registration number"] == app.startup.brn_display
    assert row["founding date"] == dt.date(2021, 5, 1)
    assert row["submitted at"] == dt.datetime(2026, 3, 1, 19, 30)  # noqa: DTZ001 — naive, New York time
    assert row["project title"] == app.title


def test_an_application_row_has_one_column_per_question_with_the_answer_as_people_read_it():
    program = factories.ProgramFactory()
    app = application(program)
    choice = factories.QuestionFactory(
        program=program,
        kind=Question.Kind.MULTIPLE_CHOICE,
        label_en="Markets",
        order=2,
        choices=[{"value": "kr", "label_en": "Korea"}, {"value": "jp", "label_en": "Japan"}],
    )
    text = factories.QuestionFactory(program=program, label_en="Problem", order=1)
    factories.AnswerFactory(application=app, question=choice, value=["kr", "jp"])
    factories.AnswerFactory(application=app, question=text, value="반복 문의")

    with translation.override("en"):
        header, rows = applications_table(Application.objects.filter(program=program))
        [row] = list(rows)

    assert header[-3:-1] == ["Problem", "Markets"]
    assert row[-3:-1] == ["반복 문의", "Korea, Japan"]


def test_an_application_row_has_the_declarations_and_the_partner_preferences_in_rank_order():
    program = factories.ProgramFactory()
    app = application(program)
    factories.DeclarationAnswerFactory(application=app, answer=False)
    factories.PartnerPreferenceFactory(application=app, partner=factories.PartnerFactory(name="NVIDIA"), rank=2)
    factories.PartnerPreferenceFactory(application=app, partner=factories.PartnerFactory(name="OpenAI"), rank=1)

    with translation.override("en"):
        [row] = as_dict(applications_table(Application.objects.filter(program=program)))

    assert row["Are you in arrears on national or local taxes?"] == "No"
    assert row["partner preferences"] == "1. OpenAI, 2. NVIDIA"


@pytest.mark.parametrize("answer", ["=HYPERLINK(1)", "+82 10", "-1", "@SUM(A1)"])
def test_an_answer_a_spreadsheet_would_run_as_a_formula_is_written_as_text_in_csv(answer):
    program = factories.ProgramFactory()
    factories.AnswerFactory(application=application(program), value=answer)

    content = rows_to_csv(*applications_table(Application.objects.filter(program=program)))

    assert read_csv(content)[1][-2] == f"'{answer}"


def test_the_applications_header_is_korean_by_default():
    header, _rows = applications_table(Application.objects.none())

    assert header[:2] == ["접수번호", "상태"]


def test_applications_xlsx_opens_with_openpyxl_and_holds_the_header_and_rows():
    program = factories.ProgramFactory()
    application(program, name_ko="주식회사 가")
    application(program, name_ko="주식회사 나")
    header, rows = applications_table(Application.objects.filter(program=program))

    workbook = load_workbook(io.BytesIO(rows_to_xlsx(header, rows, title="applications")))

    values = list(workbook["applications"].iter_rows(values_only=True))
    assert list(values[0]) == header
    assert sorted(row[3] for row in values[1:]) == ["주식회사 가", "주식회사 나"]


def applications_with_answers(program, count):
    question = factories.QuestionFactory(program=program) if not program.questions.exists() else None
    for _ in range(count):
        app = application(program)
        factories.AnswerFactory(application=app, question=question or program.questions.first())
        factories.DeclarationAnswerFactory(application=app)
        factories.PartnerPreferenceFactory(application=app)


def test_the_applications_rows_take_the_same_queries_for_2_and_20_applications(django_assert_num_queries):
    program = factories.ProgramFactory()
    applications_with_answers(program, 2)
    with django_assert_num_queries(6):
        header, rows = applications_table(Application.objects.filter(program=program))
        assert len(list(rows)) == 2
    applications_with_answers(program, 18)
    with django_assert_num_queries(6):
        header, rows = applications_table(Application.objects.filter(program=program))
        assert len(list(rows)) == 20


# ---- reviews


def test_a_review_row_has_the_evaluator_the_scores_per_criterion_and_the_review_total():
    evaluation_round, assignment = scored_round()

    with translation.override("en"):
        [row] = as_dict(reviews_table(Assignment.objects.filter(round=evaluation_round)))

    assert row["receipt number"] == assignment.application.receipt_number
    assert row["e-mail address"] == "kim@example.com"
    assert row["name"] == "김평가"
    assert row["status"] == "submitted"
    assert (row["Technology"], row["Market"]) == (Decimal("7"), Decimal("15"))
    assert row["Total"] == Decimal("73.5000")  # 100 · (30·7/10 + 70·15/20) / 100


def test_an_assignment_without_a_review_has_empty_scores_and_no_total():
    evaluation_round, _assignment = scored_round()
    factories.AssignmentFactory(round=evaluation_round)

    with translation.override("en"):
        rows = as_dict(reviews_table(Assignment.objects.filter(round=evaluation_round, review__isnull=True)))

    assert [(row["Total"], row["submitted at"]) for row in rows] == [(None, None)]


def reviews_for(evaluation_round, count):
    criterion = evaluation_round.criteria.first()
    for _ in range(count):
        review = factories.ReviewFactory(assignment=factories.AssignmentFactory(round=evaluation_round))
        factories.ScoreFactory(review=review, criterion=criterion)


def test_the_review_rows_take_the_same_queries_for_2_and_20_reviews(django_assert_num_queries):
    evaluation_round, _assignment = scored_round()
    reviews_for(evaluation_round, 1)
    with django_assert_num_queries(3):
        _header, rows = reviews_table(Assignment.objects.filter(round=evaluation_round))
        assert len(list(rows)) == 2
    reviews_for(evaluation_round, 18)
    with django_assert_num_queries(3):
        _header, rows = reviews_table(Assignment.objects.filter(round=evaluation_round))
        assert len(list(rows)) == 20


# ---- round results


def test_a_round_result_row_has_rank_startup_scores_advancement_and_the_override():
    evaluation_round = factories.EvaluationRoundFactory()
    factories.RoundResultFactory(
        round=evaluation_round,
        rank=1,
        advanced=True,
        override_reason="심사위원회 결정",
        application=application(evaluation_round.program, name_ko="가나다"),
    )
    factories.RoundResultFactory(round=evaluation_round, rank=2, failed=True, fail_reasons=["technology below 40%"])

    with translation.override("en"):
        first, second = as_dict(round_results_table(RoundResult.objects.filter(round=evaluation_round)))

    assert (first["rank"], first["legal name (Korean)"], first["final score"]) == (1, "가나다", Decimal("71.5000"))
    assert (first["advanced"], first["failed a threshold"], first["reason for override"]) == (
        "Yes",
        "No",
        "심사위원회 결정",
    )
    assert (second["rank"], second["failed a threshold"], second["reasons for failing"]) == (
        2,
        "Yes",
        "technology below 40%",
    )


def test_the_round_result_rows_take_the_same_queries_for_2_and_20_results(django_assert_num_queries):
    evaluation_round = factories.EvaluationRoundFactory()
    factories.RoundResultFactory.create_batch(2, round=evaluation_round)
    with django_assert_num_queries(2):  # the results, and the criteria their reasons name
        _header, rows = round_results_table(RoundResult.objects.filter(round=evaluation_round))
        assert len(list(rows)) == 2
    factories.RoundResultFactory.create_batch(18, round=evaluation_round)
    with django_assert_num_queries(2):  # the results, and the criteria their reasons name
        _header, rows = round_results_table(RoundResult.objects.filter(round=evaluation_round))
        assert len(list(rows)) == 20


# ---- the admin's export actions


def test_the_applications_changelist_exports_the_selected_applications_as_csv(staff_client):
    program = factories.ProgramFactory()
    chosen = application(program, name_ko="주식회사 선택")
    application(program, name_ko="주식회사 제외")

    response = post_action(staff_client, Application, "export_csv", [chosen])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="applications-')
    assert [row[3] for row in read_csv(response.content)[1:]] == ["주식회사 선택"]


def test_the_applications_changelist_exports_the_selected_applications_as_xlsx(staff_client):
    program = factories.ProgramFactory()
    chosen = application(program, name_ko="주식회사 선택")

    response = post_action(staff_client, Application, "export_xlsx", [chosen])

    assert response["Content-Type"] == XLSX
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[3] for row in rows[1:]] == ["주식회사 선택"]


@pytest.mark.parametrize(("action", "reader"), [("export_csv", "csv"), ("export_xlsx", "xlsx")])
def test_the_round_results_changelist_exports_the_selected_results(staff_client, action, reader):
    result = factories.RoundResultFactory(rank=1)

    response = post_action(staff_client, RoundResult, action, [result])

    assert response["Content-Disposition"].startswith('attachment; filename="round-results-')
    assert result.application.receipt_number.encode() in (
        response.content if reader == "csv" else _xlsx_text(response.content)
    )


@pytest.mark.parametrize("model", ["review", "assignment"])
def test_the_reviews_and_assignments_changelists_export_reviews_as_csv(staff_client, model):
    _round, assignment = scored_round()
    target = Review if model == "review" else Assignment
    selected = assignment.review if model == "review" else assignment

    response = post_action(staff_client, target, "export_csv", [selected])

    assert response["Content-Disposition"].startswith('attachment; filename="reviews-')
    [_header, row] = read_csv(response.content)
    assert (row[1], row[-1]) == ("kim@example.com", "73.5000")


def test_the_reviews_changelist_exports_reviews_as_xlsx(staff_client):
    _round, assignment = scored_round()
    response = post_action(staff_client, Review, "export_xlsx", [assignment.review])

    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][1] == "kim@example.com"


def _xlsx_text(content: bytes) -> bytes:
    rows = load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
    return " ".join(str(cell) for row in rows for cell in row).encode()
