"""Change pages with inline rows run a number of queries that does not grow with the rows."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db

_ranks = itertools.count(1)


def grow_program(program):
    track = factories.TrackFactory(program=program)
    factories.QuestionFactory(program=program, track=track)
    factories.DeclarationFactory(program=program)
    factories.ProgramPartnerFactory(program=program, seats=1)
    factories.EvaluationRoundFactory(program=program)


def grow_application(application):
    factories.AnswerFactory(application=application)
    factories.DeclarationAnswerFactory(application=application)
    factories.AttachmentFactory(application=application)
    factories.SubmissionFactory(application=application)
    factories.PartnerPreferenceFactory(application=application, rank=next(_ranks))


def grow_round(round_):
    factories.CriterionFactory(round=round_)
    factories.CarryOverWeightFactory(
        round=round_, source_round=factories.EvaluationRoundFactory(program=round_.program)
    )
    round_.evaluators.add(factories.EvaluatorFactory())


def grow_review(review):
    factories.ScoreFactory(review=review)


CASES = {
    "program": (factories.ProgramFactory, grow_program),
    "application": (lambda: factories.ApplicationFactory(submitted=True), grow_application),
    "round": (factories.EvaluationRoundFactory, grow_round),
    "review": (factories.ReviewFactory, grow_review),
}


@pytest.mark.parametrize("case", CASES)
def test_change_page_queries_do_not_grow_with_inline_rows(staff, django_assert_num_queries, case):
    make, grow = CASES[case]
    obj = make()
    url = admin_url(type(obj), "change", obj.pk)
    for _ in range(2):
        grow(obj)
    staff.get(url)
    with CaptureQueriesContext(connection) as with_few_rows:
        assert staff.get(url).status_code == 200
    for _ in range(6):
        grow(obj)

    with django_assert_num_queries(len(with_few_rows)):
        assert staff.get(url).status_code == 200
