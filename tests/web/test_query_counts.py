"""The edit page and the list page cost the same number of queries however big the form or the list."""

import pytest

from matching.models import Question
from tests import factories
from tests.web.conftest import make_founder

pytestmark = pytest.mark.django_db

# The menu's roles (evaluator? partner member? startup member?): one query (core.context_processors).
EDIT_PAGE_QUERIES = 15  # session, user, application + 4 prefetches, 4 form parts, membership, window, menu roles,
# the personal deadline in force (its banner)
LIST_PAGE_QUERIES = 5  # session, user, applications, membership, menu roles


def add_answered_questions(application, count):
    for _ in range(count):
        question = factories.QuestionFactory(program=application.program, kind=Question.Kind.SHORT_TEXT, max_length=80)
        factories.AnswerFactory(application=application, question=question, value="답변")
        deck = factories.QuestionFactory(program=application.program, kind=Question.Kind.FILE, max_length=None)
        factories.AttachmentFactory(application=application, question=deck, kind="answer")


def test_the_edit_page_queries_do_not_grow_with_questions_and_answers(client, django_assert_num_queries):
    founder = make_founder()
    application = factories.ApplicationFactory(startup=founder.startup, program__status="open")
    factories.DeclarationFactory(program=application.program)
    client.force_login(founder)
    add_answered_questions(application, 2)
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        client.get(f"/applications/{application.pk}/edit/")

    add_answered_questions(application, 20)

    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        client.get(f"/applications/{application.pk}/edit/")


def test_the_list_page_queries_do_not_grow_with_applications(client, django_assert_num_queries):
    founder = make_founder()
    client.force_login(founder)
    factories.ApplicationFactory(startup=founder.startup)
    with django_assert_num_queries(LIST_PAGE_QUERIES):
        client.get("/applications/")

    for _ in range(12):
        factories.ApplicationFactory(startup=founder.startup, submitted=True)

    with django_assert_num_queries(LIST_PAGE_QUERIES):
        client.get("/applications/")
