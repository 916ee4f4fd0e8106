"""The evaluator's score sheet saves or submits the whole form or nothing: a refused one answers 400
with every problem beside its field and what was typed still in the fields, and the review in the
database is as it was."""

from decimal import Decimal

import pytest
from django.urls import reverse

from matching.models import Assignment, EvaluationRound
from tests import factories
from tests.reviews import review_state, submitted_review_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(client):
    """A submitted review (technology 7 of 10, market 15 of 20, a comment), its evaluator signed in."""
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    technology = factories.CriterionFactory(
        round=evaluation_round, code="technology", label_ko="기술성", max_score=Decimal("10"), order=1
    )
    market = factories.CriterionFactory(
        round=evaluation_round, code="market", label_ko="시장성", max_score=Decimal("20"), order=2
    )
    assignment = factories.AssignmentFactory(round=evaluation_round)
    submitted_review_of(assignment, {technology: "7", market: "15"}, comment="기술 완성도가 높음")
    client.force_login(assignment.evaluator.user)
    return assignment, technology, market


def post(client, assignment, technology, market, *, scores, comment, action):
    data = {f"score-{technology.pk}": scores[0], f"score-{market.pk}": scores[1], "comment": comment, "action": action}
    return client.post(reverse("evaluator:detail", args=[assignment.pk]), data)


def test_a_refused_submit_shows_every_error_keeps_what_was_typed_and_changes_nothing(client, submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    response = post(client, assignment, technology, market, scores=["", "31"], comment="의견을 바꿈", action="submit")

    assert response.status_code == 400
    content = response.content.decode()
    assert [row["errors"] for row in response.context["rows"]] == [
        ["점수를 입력하세요."],
        ["0부터 20 사이의 점수를 입력하세요."],
    ]
    assert content.count('class="field__error"') == 2
    assert f'id="score-{technology.pk}_error"' in content and f'id="score-{market.pk}_error"' in content
    assert content.count('<li><a href="#score-') == 2  # the summary links to both fields
    assert f'name="score-{technology.pk}" value=""' in content
    assert f'name="score-{market.pk}" value="31"' in content
    assert ">의견을 바꿈</textarea>" in content
    assert response.context["assignment"].status == Assignment.Status.SUBMITTED  # the badge: as stored
    assert review_state(assignment) == before


def test_a_refused_save_of_a_good_and_a_bad_score_saves_neither(client, submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    response = post(client, assignment, technology, market, scores=["abc", "12.3"], comment="메모", action="save")

    assert response.status_code == 400
    content = response.content.decode()
    assert [row["errors"] for row in response.context["rows"]] == [["숫자를 입력하세요."], []]
    assert f'name="score-{technology.pk}" value="abc"' in content
    assert f'name="score-{market.pk}" value="12.3"' in content
    assert review_state(assignment) == before
    assert before["scores"] == {"technology": Decimal("7"), "market": Decimal("15")}


def test_a_comment_too_long_is_shown_at_the_comment_and_nothing_is_saved(client, submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    response = post(client, assignment, technology, market, scores=["8", "15"], comment="가" * 5001, action="submit")

    assert response.status_code == 400
    assert 'id="comment_error"' in response.content.decode()
    assert review_state(assignment) == before


def test_a_draft_save_that_changes_a_submitted_review_withdraws_it_and_says_so(client, submitted):
    assignment, technology, market = submitted

    response = post(client, assignment, technology, market, scores=["8", "15"], comment="", action="save")

    assert response.status_code == 302
    assert [m.level_tag for m in response.wsgi_request._messages] == ["warning"]
    state = review_state(assignment)
    assert state["status"] == Assignment.Status.IN_PROGRESS
    assert state["scores"] == {"technology": Decimal("8"), "market": Decimal("15")}


def test_a_submitted_review_explains_what_saving_a_draft_does(client, submitted):
    assignment, _technology, _market = submitted

    response = client.get(reverse("evaluator:detail", args=[assignment.pk]))

    assert 'id="resubmit-help"' in response.content.decode()


def test_changed_scores_submitted_from_the_page_stay_submitted(client, submitted):
    assignment, technology, market = submitted

    response = post(client, assignment, technology, market, scores=["9.5", "12.3"], comment="수정함", action="submit")

    assert response.status_code == 302
    state = review_state(assignment)
    assert state["status"] == Assignment.Status.SUBMITTED
    assert state["scores"] == {"technology": Decimal("9.5"), "market": Decimal("12.3")}


def test_submitting_twice_from_the_page_changes_nothing_the_second_time(client, submitted):
    assignment, technology, market = submitted
    before = review_state(assignment)

    first = post(
        client, assignment, technology, market, scores=["7", "15"], comment="기술 완성도가 높음", action="submit"
    )
    second = post(
        client, assignment, technology, market, scores=["7", "15"], comment="기술 완성도가 높음", action="submit"
    )

    assert (first.status_code, second.status_code) == (302, 302)
    assert review_state(assignment) == before
