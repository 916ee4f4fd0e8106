"""Staff choose a question's file types as checkboxes of the accepted kinds (matching admin)."""

import pytest

from matching.admin import QuestionAdminForm
from matching.models import Question
from tests import factories

pytestmark = pytest.mark.django_db


def form_for(question, **changes):
    data = {
        "program": question.program_id,
        "code": question.code,
        "kind": Question.Kind.FILE,
        "label_ko": "사업계획 발표자료 (PDF)",
        "order": 1,
        "required": "on",
        "unit": "",
        "choices": "[]",
        **changes,
    }
    return QuestionAdminForm(data=data, instance=question)


def test_the_checked_file_types_are_stored_in_the_usual_order():
    question = factories.QuestionFactory(kind=Question.Kind.FILE, max_length=None)

    form = form_for(question, file_types=["hwp", "pdf"])

    assert form.is_valid(), form.errors
    assert form.save().file_types == ["pdf", "hwp"]


def test_a_file_type_that_is_not_an_accepted_kind_is_refused():
    question = factories.QuestionFactory(kind=Question.Kind.FILE, max_length=None)

    form = form_for(question, file_types=["exe"])

    assert not form.is_valid()
    assert "file_types" in form.errors


def test_the_file_types_are_offered_as_checkboxes_with_the_saved_ones_checked():
    question = factories.QuestionFactory(kind=Question.Kind.FILE, max_length=None, file_types=["pdf"])

    html = str(QuestionAdminForm(instance=question)["file_types"])

    assert 'type="checkbox" name="file_types" value="pdf"' in html
    assert html.count(" checked") == 1
