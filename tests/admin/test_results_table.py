"""The round results list reads at a glance: the columns staff decide on first, the rank within each
track, a warning where reviews are missing, words instead of icons, the round in the title when the
list shows one round, and a number of queries that does not grow with the rows."""

from decimal import Decimal

import pytest

from matching.models import Assignment, EvaluationRound, RoundResult, SelectionEntry
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db

DECISIVE = ["rank", "track_rank", "applicant", "track", "shown_final", "advancement", "fail", "reviews", "spread"]


@pytest.fixture
def two_tracks():
    """A per-track round (k = 2) with results ranked 1–4, alternating between two tracks."""
    program = factories.ProgramFactory()
    evaluation_round = factories.EvaluationRoundFactory(
        program=program,
        evaluators_per_application=2,
        advance_count=1,
        advancement_scope=EvaluationRound.AdvancementScope.PER_TRACK,
    )
    tracks = [
        factories.TrackFactory(program=program, code="ai", name_ko="인공지능", name_en="AI"),
        factories.TrackFactory(program=program, code="bio", name_ko="바이오", name_en="Bio"),
    ]
    results = [
        factories.RoundResultFactory(
            round=evaluation_round,
            rank=rank,
            application=factories.ApplicationFactory(in_review=True, program=program, track=tracks[(rank - 1) % 2]),
        )
        for rank in range(1, 5)
    ]
    return evaluation_round, tracks, results


def submitted_reviews(result, count: int, status=Assignment.Status.SUBMITTED):
    for _ in range(count):
        factories.AssignmentFactory(round=result.round, application=result.application, status=status)


def results_page(client, evaluation_round=None, **filters):
    if evaluation_round is not None:
        filters["round__id__exact"] = evaluation_round.pk
    return client.get(admin_url(RoundResult, "changelist"), filters)


def cell(response, result, column: str) -> str:
    """The text of one cell of the rendered list (the row of `result`)."""
    changelist = response.context["cl"]
    model_admin = changelist.model_admin
    row = next(row for row in changelist.result_list if row.pk == result.pk)
    return str(getattr(model_admin, column)(row))


def test_the_decisive_columns_come_first_and_the_round_column_shows_when_rounds_are_mixed(staff, two_tracks):
    response = results_page(staff)

    columns = list(response.context["cl"].list_display)
    assert columns[1 : 1 + len(DECISIVE) + 1] == [*DECISIVE[:4], "round", *DECISIVE[4:]]


def test_filtered_to_one_round_the_round_is_named_in_the_title_not_on_every_row(staff, two_tracks):
    evaluation_round, _tracks, _results = two_tracks

    response = results_page(staff, evaluation_round)

    assert "round" not in response.context["cl"].list_display
    assert response.context["title"] == "Results: Document review"
    assert response.context["subtitle"].startswith(str(evaluation_round.program))
    assert "2 reviews per application · 1 advance per track" in response.context["subtitle"]


def test_each_result_shows_its_rank_within_its_track(staff, two_tracks):
    evaluation_round, _tracks, results = two_tracks

    response = results_page(staff, evaluation_round)

    assert [cell(response, result, "track_rank") for result in results] == ["1", "1", "2", "2"]
    assert [cell(response, result, "track") for result in results] == ["AI", "Bio", "AI", "Bio"]


def test_the_track_filter_lists_one_tracks_results(staff, two_tracks):
    evaluation_round, tracks, results = two_tracks

    response = results_page(staff, evaluation_round, application__track__id__exact=tracks[1].pk)

    assert {row.pk for row in response.context["cl"].result_list} == {results[1].pk, results[3].pk}
    assert [cell(response, results[3], "track_rank")] == ["2"]  # the rank in the track, not on the page


def test_filtered_to_one_round_the_track_filter_offers_that_programs_tracks_by_name(staff, two_tracks):
    evaluation_round, _tracks, _results = two_tracks
    factories.TrackFactory(name_en="Elsewhere")  # another program's track

    response = results_page(staff, evaluation_round)

    [track_filter] = [spec for spec in response.context["cl"].filter_specs if spec.title == "track"]
    assert [label for _pk, label in track_filter.lookup_choices] == ["AI", "Bio"]


def test_a_result_with_fewer_submitted_reviews_than_k_says_how_many_are_missing(staff, two_tracks):
    evaluation_round, _tracks, (short, complete, *_rest) = two_tracks
    submitted_reviews(short, 1)
    submitted_reviews(short, 1, status=Assignment.Status.IN_PROGRESS)
    submitted_reviews(complete, 2)

    response = results_page(staff, evaluation_round)

    assert "1 / 2" in cell(response, short, "reviews")
    assert "1 review missing" in cell(response, short, "reviews")
    assert "2 / 2" in cell(response, complete, "reviews")
    assert "missing" not in cell(response, complete, "reviews")


def test_failing_a_threshold_reads_as_a_word_not_as_a_no_icon(staff):
    failed = factories.RoundResultFactory(failed=True, advanced=False)
    passed = factories.RoundResultFactory(round=failed.round, advanced=True)

    response = results_page(staff, failed.round)

    assert cell(response, failed, "fail") == "Failed"
    assert cell(response, passed, "fail") == "–"
    assert cell(response, passed, "advancement") == "Advances"
    assert "icon-no.svg" not in response.content.decode()


def test_failing_reads_as_gwarak_in_korean(staff):
    failed = factories.RoundResultFactory(failed=True)
    staff.cookies["django_language"] = "ko"

    response = results_page(staff, failed.round)

    assert '<td class="field-fail">과락</td>' in response.content.decode()


def test_a_blind_round_names_applications_by_receipt_number_only(staff):
    result = factories.RoundResultFactory(round=factories.EvaluationRoundFactory(blind=True))

    response = results_page(staff, result.round)

    assert cell(response, result, "applicant") == result.application.receipt_number
    assert result.application.startup.name_ko not in response.content.decode()


def test_an_open_round_names_the_startup_beside_the_receipt_number(staff):
    result = factories.RoundResultFactory()
    staff.cookies["django_language"] = "ko"

    response = results_page(staff, result.round)

    assert (
        cell(response, result, "applicant")
        == f"{result.application.receipt_number} · {result.application.startup.name_ko}"
    )


def test_the_final_score_shows_two_decimals_half_up(staff):
    result = factories.RoundResultFactory(final_score=Decimal("71.5550"), exact={"final": "14311/200"})

    response = results_page(staff, result.round)

    assert cell(response, result, "shown_final") == "71.56"


def test_an_override_shows_its_reason(staff):
    result = factories.RoundResultFactory(advanced=True, override_reason="심사위원회 의결")

    response = results_page(staff, result.round)

    assert cell(response, result, "override") == "심사위원회 의결"


def test_the_results_list_queries_do_not_grow_with_the_rows(staff, two_tracks, django_assert_num_queries):
    evaluation_round, tracks, results = two_tracks
    for result in results:
        submitted_reviews(result, 2)
    results_page(staff, evaluation_round)  # warm the caches a first request fills

    with django_assert_num_queries(14):
        results_page(staff, evaluation_round)
    for rank in range(5, 25):
        result = factories.RoundResultFactory(
            round=evaluation_round,
            rank=rank,
            application=factories.ApplicationFactory(
                in_review=True, program=evaluation_round.program, track=tracks[rank % 2]
            ),
        )
        submitted_reviews(result, 2)

    with django_assert_num_queries(14):
        response = results_page(staff, evaluation_round)
    assert response.context["cl"].result_count == 24


# --- the final selection ---------------------------------------------------------------------------------


def test_the_selection_list_shows_track_and_outcome_in_words(staff):
    entry = factories.SelectionEntryFactory(outcome=SelectionEntry.Outcome.RESERVE)

    response = staff.get(admin_url(SelectionEntry, "changelist"), {"program__id__exact": entry.program_id})

    page = response.content.decode()
    assert "program" not in response.context["cl"].list_display
    assert (response.context["title"], response.context["subtitle"]) == ("Selection", str(entry.program))
    assert f'<td class="field-track">{entry.application.track}</td>' in page
    assert '<td class="field-outcome">reserve</td>' in page
