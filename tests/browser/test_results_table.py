"""The round results list fits a 1280 px and a 1920 px screen without scrolling sideways, with the
columns staff decide on in view; the admin's groups read in the sidebar and on a phone."""

from decimal import Decimal

import pytest

from matching.models import Assignment, EvaluationRound
from tests import factories
from tests.browser.conftest import _new_page, sign_in_to_admin
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DECISIVE_COLUMNS = ["rank", "track_rank", "applicant", "track", "shown_final", "advancement", "fail", "reviews"]


@pytest.fixture
def two_track_round():
    """A per-track round of 12 scored applications in two tracks, with the notes a real round has."""
    program = factories.ProgramFactory(name_ko="2027 글로벌 오픈이노베이션", name_en="2027 Global Open Innovation")
    evaluation_round = factories.EvaluationRoundFactory(
        program=program,
        evaluators_per_application=3,
        advance_count=3,
        advancement_scope=EvaluationRound.AdvancementScope.PER_TRACK,
        status=EvaluationRound.Status.RESULTS_COMPUTED,
    )
    tracks = [
        factories.TrackFactory(program=program, code="ai", name_ko="인공지능·데이터", name_en="AI and data"),
        factories.TrackFactory(program=program, code="bio", name_ko="바이오·헬스케어", name_en="Bio and health"),
    ]
    criteria = [
        factories.CriterionFactory(round=evaluation_round, code=code, label_ko=ko, label_en=en, order=order)
        for order, (code, ko, en) in enumerate(
            [("tech", "기술성", "Technology"), ("market", "시장성", "Market"), ("team", "팀 역량", "Team")], start=1
        )
    ]
    for rank in range(1, 13):
        application = factories.ApplicationFactory(
            in_review=True,
            program=program,
            track=tracks[rank % 2],
            startup=factories.StartupFactory(name_ko=f"주식회사 넥스트웨이브 바이오랩 {rank}"),
        )
        final = Decimal(90) - Decimal(rank) * Decimal("2.37")
        result = factories.RoundResultFactory(
            round=evaluation_round,
            application=application,
            rank=rank,
            final_score=final,
            advanced=rank <= 6,
            failed=rank == 12,
            fail_reasons=[{"code": "below_threshold", "criterion": "team", "mean": "0.3800", "threshold": "0.4"}]
            if rank == 12
            else [],
            tie_break={"code": "criterion", "criterion": "tech", "above": "0.8200", "this": "0.8100"}
            if rank == 5
            else None,
            override_reason="심사위원회 의결로 진출" if rank == 6 else "",
        )
        for reviewer in range(3 if rank != 7 else 2):
            review = factories.ReviewFactory(
                assignment=factories.AssignmentFactory(
                    round=evaluation_round,
                    application=application,
                    status=Assignment.Status.SUBMITTED,
                )
            )
            for criterion in criteria:
                factories.ScoreFactory(review=review, criterion=criterion, value=Decimal(5 + (rank + reviewer) % 5))
        assert result.pk
    return evaluation_round


def log_in(page):
    staff = factories.UserFactory(staff=True, email="ops@example.com")
    sign_in_to_admin(page, staff, TEST_PASSWORD)
    page.wait_for_url("**/admin/")


def results_of(page, evaluation_round):
    page.goto(f"/admin/matching/roundresult/?round__id__exact={evaluation_round.pk}")
    page.wait_for_selector("#result_list")


def no_sideways_scrolling(page) -> bool:
    return page.evaluate(
        """() => {
            const table = document.querySelector('#result_list');
            const root = document.documentElement;
            return root.scrollWidth <= root.clientWidth && table.getBoundingClientRect().right <= root.clientWidth;
        }"""
    )


def decisive_columns_in_view(page) -> list[str]:
    return [
        column
        for column in DECISIVE_COLUMNS
        if page.evaluate(
            """(column) => {
                const th = document.querySelector('#result_list th.column-' + column);
                if (!th) return false;
                const box = th.getBoundingClientRect();
                return box.width > 0 && box.right <= document.documentElement.clientWidth;
            }""",
            column,
        )
    ]


def test_the_results_of_a_two_track_round_fit_1280_px_in_korean(page, two_track_round, screenshot):
    log_in(page)

    results_of(page, two_track_round)

    screenshot(page, "results-ko-1280")
    assert no_sideways_scrolling(page)
    assert decisive_columns_in_view(page) == DECISIVE_COLUMNS
    assert "평가표 1건 부족" in page.inner_text("#result_list")


def test_the_results_of_a_two_track_round_fit_1920_px_in_english(browser, live_server, two_track_round, screenshot):
    context, page = _new_page(browser, live_server, locale="en-US", width=1920, height=1080)
    try:
        log_in(page)
        page.click("#language-switcher button[value=en]")
        page.wait_for_selector("html[lang=en]")

        results_of(page, two_track_round)

        screenshot(page, "results-en-1920")
        assert no_sideways_scrolling(page)
        assert decisive_columns_in_view(page) == DECISIVE_COLUMNS
        assert "Results: Document review" in page.inner_text("#content h1")
    finally:
        context.close()


def test_the_results_on_a_phone_scroll_inside_the_table_not_the_page(phone_page, two_track_round, screenshot):
    log_in(phone_page)

    results_of(phone_page, two_track_round)

    screenshot(phone_page, "results-ko-375")
    assert phone_page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_sidebar_lists_the_groups_of_the_work(page, two_track_round, screenshot):
    log_in(page)

    page.goto("/admin/matching/roundresult/")

    screenshot(page, "admin-sidebar-ko-1280")
    captions = page.locator("#nav-sidebar caption").all_inner_texts()
    assert captions[:4] == ["공고·양식", "신청", "평가", "선정·매칭"]


def test_the_groups_read_on_a_phone(phone_page, two_track_round, screenshot):
    log_in(phone_page)

    phone_page.goto("/admin/group/evaluation/")

    screenshot(phone_page, "admin-group-ko-375")
    assert phone_page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_index_lists_the_groups_of_the_work(browser, live_server, two_track_round, screenshot, width):
    context, page = _new_page(browser, live_server, locale="ko-KR", width=width, height=900)
    try:
        log_in(page)

        screenshot(page, f"admin-index-groups-ko-{width}")
        captions = page.locator("#content-main .module caption").all_inner_texts()
        assert captions[-7:] == ["공고·양식", "신청", "평가", "선정·매칭", "알림", "설정·연동", "시스템"]
        assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()


def test_the_selection_list_fits_1280_px_with_track_and_outcome_in_words(page, two_track_round, screenshot):
    program = two_track_round.program
    outcomes = ["selected", "selected", "reserve", "not_selected"]
    for position, result in enumerate(two_track_round.results.select_related("application")[:4], start=1):
        factories.SelectionEntryFactory(
            program=program, application=result.application, outcome=outcomes[position - 1], position=position
        )
    log_in(page)

    page.goto(f"/admin/matching/selectionentry/?program__id__exact={program.pk}")

    screenshot(page, "selection-ko-1280")
    assert no_sideways_scrolling(page)
    assert "예비 선정" in page.inner_text("#result_list")
