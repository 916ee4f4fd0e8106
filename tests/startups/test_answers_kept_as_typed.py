"""A draft keeps what was typed even when it is not yet a valid answer (Answer.typed); submission
refuses it with the form's own wording, and nothing that reads answers ever sees it."""

import pytest
from django.utils import translation

from matching.models import Question
from startups.models import Answer, Application
from startups.services import ApplicationIncomplete, application_save_draft, application_submit
from startups.services.applications import application_problems, application_snapshot, with_everything
from tests import factories
from tests.startups.test_application_submit import complete_draft

pytestmark = pytest.mark.django_db
K = Question.Kind


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft():
    application, founder = complete_draft()
    essay = factories.QuestionFactory(program=application.program, code="essay", max_length=1000, order=5)
    funding = factories.QuestionFactory(
        program=application.program, code="funding", kind=K.NUMBER, unit="won", max_length=None, required=False, order=6
    )
    return application, founder, essay, funding


def loaded(application):
    return with_everything(Application.objects).get(pk=application.pk)


def test_an_over_long_answer_is_kept_as_typed_with_no_value(draft):
    application, founder, essay, _funding = draft

    errors = application_save_draft(application=application, by=founder, answers={essay.pk: "가" * 1100})

    answer = Answer.objects.get(application=application, question=essay)
    assert (answer.value, answer.typed) == (None, "가" * 1100)
    assert errors == {"question:essay": ["Keep this under 1000 characters (you wrote 1100)."]}


def test_a_malformed_amount_is_kept_as_typed(draft):
    application, founder, _essay, funding = draft

    application_save_draft(application=application, by=founder, answers={funding.pk: "1억 이상"})

    answer = Answer.objects.get(application=application, question=funding)
    assert (answer.value, answer.typed) == (None, "1억 이상")


def test_a_valid_answer_replaces_what_was_kept_as_typed(draft):
    application, founder, essay, _funding = draft
    application_save_draft(application=application, by=founder, answers={essay.pk: "가" * 1100})

    application_save_draft(application=application, by=founder, answers={essay.pk: "짧게 줄였습니다"})

    answer = Answer.objects.get(application=application, question=essay)
    assert (answer.value, answer.typed) == ("짧게 줄였습니다", "")


def test_emptying_an_answer_kept_as_typed_removes_it(draft):
    application, founder, essay, _funding = draft
    application_save_draft(application=application, by=founder, answers={essay.pk: "가" * 1100})

    application_save_draft(application=application, by=founder, answers={essay.pk: ""})

    assert not Answer.objects.filter(application=application, question=essay).exists()


def test_a_refused_choice_leaves_the_saved_choice_as_it_was(draft):
    application, founder, _essay, _funding = draft
    choice = factories.QuestionFactory(
        program=application.program, kind=K.SINGLE_CHOICE, choices=[{"value": "a", "label_ko": "가"}], max_length=None
    )
    application_save_draft(application=application, by=founder, answers={choice.pk: "a"})

    application_save_draft(application=application, by=founder, answers={choice.pk: "zzz"})

    answer = Answer.objects.get(application=application, question=choice)
    assert (answer.value, answer.typed) == ("a", "")


def test_an_answer_kept_as_typed_is_a_problem_worded_as_in_the_form(draft):
    application, founder, essay, funding = draft
    application_save_draft(
        application=application, by=founder, answers={essay.pk: "가" * 1100, funding.pk: "많이"}
    )

    problems = application_problems(loaded(application))

    assert problems["question:essay"] == ["Keep this under 1000 characters (you wrote 1100)."]
    assert problems["question:funding"] == ["Enter an amount in won, such as 1,200,000 or 1.2억."]


def test_submission_is_refused_while_an_answer_is_kept_as_typed(draft):
    application, founder, essay, _funding = draft
    application_save_draft(application=application, by=founder, answers={essay.pk: "가" * 1100})

    with pytest.raises(ApplicationIncomplete) as refused:
        application_submit(application_id=application.pk, by=founder, consent_given=True)

    assert list(refused.value.problems) == ["question:essay"]
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_the_snapshot_never_holds_what_was_typed(draft):
    application, founder, essay, _funding = draft
    application_save_draft(application=application, by=founder, answers={essay.pk: "가" * 1100})

    snapshot = application_snapshot(loaded(application))

    assert "essay" not in snapshot["answers"]
    assert "가" * 1100 not in str(snapshot)


def test_an_amount_typed_with_eok_is_stored_as_whole_won(draft):
    application, founder, _essay, funding = draft

    application_save_draft(application=application, by=founder, answers={funding.pk: "1.2억"})

    assert Answer.objects.get(application=application, question=funding).value == "120000000"
