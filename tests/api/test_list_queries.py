"""List endpoints read a constant number of queries, whatever the number of rows and the page size."""

import pytest

from matching.models import EvaluationRound, Program
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db

A, R = Application.Status, EvaluationRound.Status


@pytest.fixture
def program():
    program = factories.ProgramFactory(status=Program.Status.FINALISED)
    factories.ProgramPartnerFactory(program=program)
    return program


@pytest.fixture
def published_round(program):
    return factories.EvaluationRoundFactory(program=program, status=R.PUBLISHED)


def finalists(program, published_round, count: int, **extra) -> list[Application]:
    """Selected applications, each with a sector on its startup, a published result and a selection entry."""
    made = []
    for _ in range(count):
        startup = factories.StartupFactory()
        startup.sectors.add(factories.SectorFactory())
        application = factories.ApplicationFactory(program=program, startup=startup, in_review=True, status=A.SELECTED)
        factories.RoundResultFactory(round=published_round, application=application, advanced=True)
        factories.SelectionEntryFactory(program=program, application=application)
        made.append(application)
    return made


def assert_constant(client, url, program, published_round, django_assert_num_queries, queries, **extra):
    finalists(program, published_round, 2, **extra)
    client.get(url)  # the key's first use of the minute also records it: not what is measured here
    with django_assert_num_queries(queries):
        assert client.get(url).json()["count"] >= 2
    finalists(program, published_round, 23, **extra)
    with django_assert_num_queries(queries):
        assert len(client.get(url).json()["results"]) == 25
    with django_assert_num_queries(queries):
        client.get(url, {"page_size": 100})


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/applications/", 3),
        ("/api/v1/startups/", 4),
        ("/api/v1/round-results/", 3),
        ("/api/v1/selection/", 3),
    ],
)
def test_staff_lists_read_the_same_queries_for_2_and_25_rows(
    url, queries, staff_api, program, published_round, django_assert_num_queries
):
    assert_constant(staff_api, url, program, published_round, django_assert_num_queries, queries)


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        ("/api/v1/applications/", 3),
        ("/api/v1/startups/", 4),
        ("/api/v1/round-results/", 3),
        ("/api/v1/selection/", 3),
    ],
)
def test_a_partners_lists_read_the_same_queries_for_2_and_25_rows(
    url, queries, key_client, program, published_round, django_assert_num_queries
):
    partner = program.partnerships.get().partner
    client = key_client(factories.PartnerMembershipFactory(partner=partner).user, partner=partner)

    assert_constant(client, url, program, published_round, django_assert_num_queries, queries)


def test_an_applicants_application_list_reads_the_same_queries_for_1_and_20_applications(
    session_client, django_assert_num_queries
):
    user = factories.UserFactory()
    client = session_client(user)

    def apply(count: int) -> None:
        for _ in range(count):
            startup = factories.StartupMemberFactory(user=user).startup
            factories.ApplicationFactory(startup=startup, submitted=True)

    apply(1)
    client.get("/api/v1/applications/")
    with django_assert_num_queries(5):
        assert client.get("/api/v1/applications/").json()["count"] == 1
    apply(19)
    with django_assert_num_queries(5):
        assert client.get("/api/v1/applications/").json()["count"] == 20


def submitted_with(count: int) -> Application:
    """A submitted application with `count` answers, declarations, partner preferences, files and
    published round results, and `count` earlier submissions."""
    program = factories.ProgramFactory(status=Program.Status.FINALISED)
    application = factories.ApplicationFactory(program=program, in_review=True, status=A.SELECTED)
    snapshot = {"title": "t", "summary": "s", "track": None, "answers": {}, "declarations": {}, "preferences": []}
    snapshot["attachments"] = []
    for index in range(count):
        question = factories.QuestionFactory(program=program, code=f"q{index}")
        snapshot["answers"][question.code] = f"answer {index}"
        declaration = factories.DeclarationFactory(program=program, code=f"d{index}")
        snapshot["declarations"][declaration.code] = False
        partner = factories.ProgramPartnerFactory(program=program).partner
        snapshot["preferences"].append(partner.pk)
        attachment = factories.AttachmentFactory(application=application, question=question)
        snapshot["attachments"].append({"id": attachment.pk, "name": f"f{index}.pdf", "size": 1, "kind": "pdf"})
        published = factories.EvaluationRoundFactory(program=program, status=R.PUBLISHED, order=index + 1)
        factories.RoundResultFactory(round=published, application=application, advanced=True)
    for number in range(1, count + 2):
        factories.SubmissionFactory(application=application, number=number, snapshot=snapshot)
    return application


@pytest.mark.parametrize("count", [1, 12])
def test_an_application_detail_reads_the_same_queries_whatever_it_holds(count, staff_api, django_assert_num_queries):
    application = submitted_with(count)
    staff_api.get("/api/v1/programs/")  # the key's first use of the minute also records it

    # The key; the application with its newest result, last submission and the program's form; the
    # files the caller may download.
    with django_assert_num_queries(3):
        body = staff_api.get(f"/api/v1/applications/{application.pk}/").json()

    assert len(body["submission"]["answers"]) == count
    assert len(body["submission"]["attachments"]) == count
    assert all(file["download_url"] for file in body["submission"]["attachments"])
