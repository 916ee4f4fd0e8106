"""Staff assign and remove evaluators by hand in the admin, under the same rules as the job."""

import pytest

from matching.models import Assignment, Conflict, EvaluationRound
from tests import factories
from tests.admin.conftest import admin_url, messages_of, post_action

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)
    evaluator = factories.EvaluatorFactory()
    evaluation_round.evaluators.add(evaluator)
    application = factories.ApplicationFactory(program=evaluation_round.program, in_review=True)
    return evaluation_round, application, evaluator


def _add(client, evaluation_round, application, evaluator):
    return client.post(
        admin_url(Assignment, "add"),
        {"round": evaluation_round.pk, "application": application.pk, "evaluator": evaluator.pk},
    )


def test_staff_assign_an_evaluator_by_hand(staff, pair):
    response = _add(staff, *pair)

    assert response.status_code == 302
    assert Assignment.objects.filter(round=pair[0], application=pair[1], evaluator=pair[2]).count() == 1


def test_a_conflicted_pair_is_refused_on_the_form_and_nothing_is_added(staff, pair):
    evaluation_round, application, evaluator = pair
    Conflict.objects.create(evaluator=evaluator, startup=application.startup, source=Conflict.Source.RELATION)

    response = _add(staff, evaluation_round, application, evaluator)

    assert response.status_code == 200
    assert "conflict of interest" in str(response.context["adminform"].form.non_field_errors())
    assert not Assignment.objects.exists()


def test_staff_remove_a_pending_assignment(staff, pair):
    assignment = factories.AssignmentFactory(round=pair[0], application=pair[1], evaluator=pair[2])

    post_action(staff, Assignment, "assignment_remove", [assignment])

    assert not Assignment.objects.filter(pk=assignment.pk).exists()


def test_an_assignment_with_a_review_started_is_not_removed(staff, pair):
    assignment = factories.AssignmentFactory(round=pair[0], application=pair[1], evaluator=pair[2])
    factories.ReviewFactory(assignment=assignment)

    response = post_action(staff, Assignment, "assignment_remove", [assignment])

    assert Assignment.objects.filter(pk=assignment.pk).exists()
    assert any(level == "error" for level, _text in messages_of(response))
