"""The results table shows each application's criterion means and links to its reviews; the
selection downloads as CSV or XLSX from the admin."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from matching.models import Assignment, Review, RoundResult, SelectionEntry
from matching.selectors import result_criterion_means
from tests import factories
from tests.admin.conftest import admin_url, post_action

pytestmark = pytest.mark.django_db

SUBMITTED = Assignment.Status.SUBMITTED


def review_of(result, scores: dict, status=SUBMITTED):
    """A review of the result's application in its round with {criterion: value}."""
    review = factories.ReviewFactory(
        assignment=factories.AssignmentFactory(round=result.round, application=result.application, status=status)
    )
    for criterion, value in scores.items():
        factories.ScoreFactory(review=review, criterion=criterion, value=Decimal(value))
    return review


@pytest.fixture
def scored_result():
    """Two submitted reviews (tech 6 and 9, market 10 and 15) and a draft that must not count."""
    result = factories.RoundResultFactory()
    tech = factories.CriterionFactory(round=result.round, code="tech", order=1, max_score=Decimal("10"))
    market = factories.CriterionFactory(
        round=result.round, code="market", order=2, max_score=Decimal("20"), label_ko="시장성", label_en="Market"
    )
    review_of(result, {tech: "6", market: "10"})
    review_of(result, {tech: "9", market: "15"})
    review_of(result, {tech: "0", market: "0"}, status=Assignment.Status.IN_PROGRESS)
    return result


def test_criterion_means_average_each_criterion_over_the_submitted_reviews(scored_result):
    means = result_criterion_means(results=[scored_result])

    assert means == {scored_result.pk: [("tech", Decimal("7.5")), ("market", Decimal("12.5"))]}


def test_results_table_shows_the_criterion_means_compactly_by_their_names(staff, scored_result):
    response = staff.get(admin_url(RoundResult, "changelist"))

    assert "Technology: 7.50, Market: 12.50" in response.content.decode()


def test_results_table_shows_two_decimals_half_up_from_the_exact_final(staff):
    # 47.574999… stores as 47.5750 to four places; two places from the exact value give 47.57, not 47.58.
    factories.RoundResultFactory(final_score=Decimal("47.5750"), exact={"final": "47574999/1000000"})

    page = staff.get(admin_url(RoundResult, "changelist")).content.decode()

    assert "47.57" in page and "47.58" not in page


def test_results_table_says_which_tie_break_decided_in_the_staff_members_language(staff):
    result = factories.RoundResultFactory(
        tie_break={"code": "criterion", "criterion": "tech", "above": "0.8200", "this": "0.8100"}
    )
    factories.CriterionFactory(round=result.round, code="tech", label_ko="기술성", label_en="Technology")
    factories.RoundResultFactory(round=result.round, tie_break={"code": "first_submission"})

    staff.cookies["django_language"] = "ko"
    page = staff.get(admin_url(RoundResult, "changelist")).content.decode()

    assert "동점 — 기술성 평균 0.8200 vs 0.8100" in page
    assert "동점 — 먼저 제출" in page


def test_results_table_reads_fail_reasons_as_sentences_not_codes(staff):
    result = factories.RoundResultFactory(
        failed=True,
        fail_reasons=[{"code": "below_threshold", "criterion": "team", "mean": "0.3800", "threshold": "0.4"}],
    )
    factories.CriterionFactory(round=result.round, code="team", label_ko="팀 역량", label_en="Team")

    staff.cookies["django_language"] = "en"
    page = staff.get(admin_url(RoundResult, "changelist")).content.decode()

    assert "Team: mean 0.3800 of the maximum is below the fail threshold 0.4." in page
    assert "below_threshold" not in page


def test_a_result_without_submitted_reviews_shows_no_means(staff):
    factories.RoundResultFactory()

    response = staff.get(admin_url(RoundResult, "changelist"))

    assert 'class="field-criterion_means">–<' in response.content.decode()


def test_the_reviews_link_lists_the_reviews_of_that_application_in_that_round(staff, scored_result):
    other_application = factories.RoundResultFactory(round=scored_result.round)
    review_of(other_application, {})
    later_round = factories.RoundResultFactory(
        round=factories.EvaluationRoundFactory(program=scored_result.round.program, order=2),
        application=scored_result.application,
    )
    review_of(later_round, {})
    page = staff.get(admin_url(RoundResult, "changelist")).content.decode()
    reviews_url = admin_url(Review, "changelist")
    [link] = [
        url.replace("&amp;", "&")
        for url in re.findall(rf'href="({reviews_url}\?[^"]+)"', page)
        if f"application={scored_result.application_id}&" in url.replace("&amp;", "&") + "&"
        and f"round__id__exact={scored_result.round_id}" in url
    ]

    response = staff.get(link)

    assert response.status_code == 200
    assert {review.assignment_id for review in response.context["cl"].result_list} == set(
        Assignment.objects.filter(round=scored_result.round, application=scored_result.application).values_list(
            "pk", flat=True
        )
    )
    assert response.context["cl"].result_count == 3


def test_results_table_queries_do_not_grow_with_scored_rows(staff, scored_result):
    url = admin_url(RoundResult, "changelist")
    staff.get(url)
    with CaptureQueriesContext(connection) as few:
        staff.get(url)
    for _ in range(4):
        result = factories.RoundResultFactory(round=scored_result.round)
        review_of(result, dict.fromkeys(scored_result.round.criteria.all(), "5"))

    with CaptureQueriesContext(connection) as many:
        response = staff.get(url)

    assert response.context["cl"].result_count == 5
    assert len(many) == len(few)


# --- exporting the selection ---------------------------------------------------------------------------


def selection_entry(program, outcome, position, **startup):
    application = factories.ApplicationFactory(
        in_review=True, program=program, startup=factories.StartupFactory(**startup)
    )
    return factories.SelectionEntryFactory(program=program, application=application, outcome=outcome, position=position)


@pytest.fixture
def selection():
    program = factories.ProgramFactory()
    return [
        selection_entry(program, SelectionEntry.Outcome.SELECTED, 1, name_ko="주식회사 가나다"),
        selection_entry(program, SelectionEntry.Outcome.RESERVE, 1, name_ko='=HYPERLINK("http://evil.example","x")'),
    ]


def csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_export_as_csv_downloads_a_csv_file_with_a_byte_order_mark(staff, selection):
    response = post_action(staff, SelectionEntry, "export_csv", selection)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(r'attachment; filename="selection-\d{8}-\d{4}\.csv"', response["Content-Disposition"])
    assert response.content.startswith(b"\xef\xbb\xbf")


def test_export_as_csv_has_the_header_then_the_selected_entries_in_order(staff, selection):
    rows = csv_rows(post_action(staff, SelectionEntry, "export_csv", selection))

    assert rows[0][:4] == ["program", "outcome", "position", "receipt number"]
    assert [row[4] for row in rows[1:]] == ["주식회사 가나다", '\'=HYPERLINK("http://evil.example","x")']
    assert [row[1] for row in rows[1:]] == ["selected", "reserve"]


def test_export_leaves_out_entries_that_were_not_selected_for_it(staff, selection):
    rows = csv_rows(post_action(staff, SelectionEntry, "export_csv", selection[:1]))

    assert len(rows) == 2


def test_export_as_xlsx_opens_with_openpyxl_and_has_the_same_rows_as_the_csv(staff, selection):
    csv_body = csv_rows(post_action(staff, SelectionEntry, "export_csv", selection))

    response = post_action(staff, SelectionEntry, "export_xlsx", selection)

    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    as_text = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert as_text == csv_body


def test_export_queries_do_not_grow_with_entries(staff, selection):
    program = selection[0].program
    post_action(staff, SelectionEntry, "export_xlsx", selection)  # warm the caches a first request fills
    with CaptureQueriesContext(connection) as few:
        post_action(staff, SelectionEntry, "export_xlsx", selection)
    more = [selection_entry(program, SelectionEntry.Outcome.RESERVE, position) for position in range(2, 8)]

    with CaptureQueriesContext(connection) as many:
        response = post_action(staff, SelectionEntry, "export_xlsx", [*selection, *more])

    assert load_workbook(io.BytesIO(response.content)).active.max_row == 9
    assert len(many) == len(few)


def test_exporting_all_of_a_filtered_list_exports_every_entry_of_that_program(staff, selection):
    other_program_entry = selection_entry(factories.ProgramFactory(), SelectionEntry.Outcome.SELECTED, 1)
    program = selection[0].program

    response = staff.post(
        f"{admin_url(SelectionEntry, 'changelist')}?program__id__exact={program.pk}",
        {"action": "export_csv", "_selected_action": [selection[0].pk], "select_across": "1", "index": 0},
    )

    receipts = [row[3] for row in csv_rows(response)[1:]]
    assert receipts == [entry.application.receipt_number for entry in selection]
    assert other_program_entry.application.receipt_number not in receipts
