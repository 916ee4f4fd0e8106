"""The evaluator's pledge page and no-conflict declaration: shown before the score sheet in a round with a pledge."""

import pytest
from django.urls import reverse

from matching.models import Assignment, EvaluationRound, PledgeAcceptance, Review
from matching.services.pledges import pledge_accept, pledge_create
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def assignment(client):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    factories.CriterionFactory(round=evaluation_round)
    assignment = factories.AssignmentFactory(round=evaluation_round)
    evaluation_round.evaluators.add(assignment.evaluator)
    pledge_create(round=evaluation_round, text_ko="나는 공정하게 평가합니다.", text_en="I review fairly.", by=None)
    client.force_login(assignment.evaluator.user)
    return assignment


def detail(assignment):
    return reverse("evaluator:detail", args=[assignment.pk])


def test_the_score_sheet_sends_an_evaluator_who_has_not_accepted_to_the_pledge_first(client, assignment):
    response = client.get(detail(assignment))
    assert response.status_code == 302 and response.url == reverse("evaluator:pledge", args=[assignment.pk])


def test_the_pledge_page_shows_the_text_and_version_in_korean(client, assignment):
    response = client.get(reverse("evaluator:pledge", args=[assignment.pk]))
    content = response.content.decode()
    assert "나는 공정하게 평가합니다." in content and "I review fairly." not in content
    assert response.context["pledge"].version == 1


def test_accepting_records_the_pledge_and_returns_to_the_score_sheet_with_the_declaration(client, assignment):
    response = client.post(reverse("evaluator:pledge", args=[assignment.pk]))

    assert response.status_code == 302 and response.url == detail(assignment)
    assert PledgeAcceptance.objects.get().language == "ko"
    sheet = client.get(detail(assignment))
    assert sheet.status_code == 200 and reverse("evaluator:declare", args=[assignment.pk]) in sheet.content.decode()


def test_a_declaration_without_the_box_ticked_is_refused(client, assignment):
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    client.post(reverse("evaluator:declare", args=[assignment.pk]), {})
    assert Assignment.objects.get(pk=assignment.pk).no_conflict_declared_at is None


def test_scores_posted_before_the_declaration_are_refused_and_nothing_is_saved(client, assignment):
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    criterion = assignment.round.criteria.get()

    response = client.post(detail(assignment), {f"score-{criterion.pk}": "5", "comment": "", "action": "save"})

    assert response.status_code == 302
    assert not Review.objects.filter(assignment=assignment).exists()


def test_after_the_declaration_the_evaluator_scores(client, assignment):
    pledge_accept(round=assignment.round, evaluator=assignment.evaluator, language="ko")
    client.post(reverse("evaluator:declare", args=[assignment.pk]), {"no_conflict": "yes"})
    criterion = assignment.round.criteria.get()

    client.post(detail(assignment), {f"score-{criterion.pk}": "5", "comment": "", "action": "save"})

    assert Review.objects.get(assignment=assignment).scores.count() == 1


def test_another_evaluator_cannot_open_the_pledge_page_of_an_assignment(client, assignment):
    client.force_login(factories.EvaluatorFactory().user)
    assert client.get(reverse("evaluator:pledge", args=[assignment.pk])).status_code == 404
