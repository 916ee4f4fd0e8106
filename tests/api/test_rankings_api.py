"""Partners' rankings through the API: a partner's key or a member's session reads and writes its own
partner's ranking with the service the partner page uses; staff read every ranking, write none."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import PartnerRanking
from startups.models import Application
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    program = factories.ProgramFactory(status="reviewing", ranking_deadline=timezone.now() + dt.timedelta(days=1))
    mine, theirs = factories.PartnerFactory(name="OpenAI"), factories.PartnerFactory(name="Other AI")
    for partner in (mine, theirs):
        factories.ProgramPartnerFactory(program=program, partner=partner, seats=2)
    finalists = [
        factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.ADVANCED)
        for _ in range(2)
    ]
    return {
        "program": program,
        "mine": mine,
        "theirs": theirs,
        "finalists": finalists,
        "member": factories.PartnerMembershipFactory(partner=mine).user,
        "staff": factories.UserFactory(staff=True),
        "stranger": factories.UserFactory(),
    }


def entries_of(world, partner):
    ranking = PartnerRanking.objects.filter(program=world["program"], partner=partner).first()
    return ranking and (ranking.status, {e.application_id: e.rank or "x" for e in ranking.entries.all()})


def test_a_partner_key_writes_and_submits_its_ranking(world, key_client):
    client = key_client(world["member"], partner=world["mine"])
    a, b = world["finalists"]
    url = f"/api/v1/rankings/{world['program'].pk}/"

    saved = client.put(
        url,
        {"entries": [{"application": a.pk, "rank": 1}, {"application": b.pk, "not_interested": True}]},
        format="json",
    )
    submitted = client.post(f"{url}submit/")

    assert saved.status_code == 200 and saved.json()["status"] == "draft"
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert entries_of(world, world["mine"]) == ("submitted", {a.pk: 1, b.pk: "x"})
    assert entries_of(world, world["theirs"]) is None


def test_a_duplicate_rank_is_a_422_with_the_fields_and_changes_nothing(world, session_client):
    client = session_client(world["member"])
    a, b = world["finalists"]

    response = client.put(
        f"/api/v1/rankings/{world['program'].pk}/",
        {"entries": [{"application": a.pk, "rank": 1}, {"application": b.pk, "rank": 1}]},
        format="json",
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {f"entry:{a.pk}", f"entry:{b.pk}"}
    assert entries_of(world, world["mine"]) is None


def test_a_finalist_named_twice_is_a_422_and_changes_nothing(world, session_client):
    client = session_client(world["member"])
    a, _b = world["finalists"]

    response = client.put(
        f"/api/v1/rankings/{world['program'].pk}/",
        {"entries": [{"application": a.pk, "rank": 1}, {"application": a.pk, "rank": 2}]},
        format="json",
    )

    assert response.status_code == 422
    assert set(response.json()["fields"]) == {f"entry:{a.pk}"}
    assert entries_of(world, world["mine"]) is None


def test_submitting_with_undecided_finalists_is_a_422(world, session_client):
    client = session_client(world["member"])

    response = client.post(f"/api/v1/rankings/{world['program'].pk}/submit/")

    assert response.status_code == 422 and response.json()["code"] == "ranking_invalid"


def test_after_the_deadline_a_write_is_a_409(world, session_client):
    world["program"].ranking_deadline = timezone.now() - dt.timedelta(seconds=1)
    world["program"].save(update_fields=["ranking_deadline"])
    client = session_client(world["member"])

    response = client.put(f"/api/v1/rankings/{world['program'].pk}/", {"entries": []}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "ranking_closed")


def test_the_api_and_the_page_write_the_same_ranking(world, session_client, client):
    a, b = world["finalists"]
    session_client(world["member"]).put(
        f"/api/v1/rankings/{world['program'].pk}/",
        {"entries": [{"application": a.pk, "rank": 2}, {"application": b.pk, "rank": 1}]},
        format="json",
    )
    client.force_login(world["member"])

    page = client.get(f"/partner/programs/{world['program'].pk}/ranking/").content.decode()

    assert f'name="rank-{a.pk}" value="2"' in page and f'name="rank-{b.pk}" value="1"' in page


@pytest.mark.parametrize(
    ("role", "read", "write"),
    [
        ("partner_key", 200, 200),
        ("member_session", 200, 200),
        ("staff", 200, 404),
        ("stranger", 404, 404),
        ("anonymous", 401, 401),
    ],
)
def test_who_reads_and_writes_a_ranking(world, role, read, write, key_client, session_client, api_client):
    clients = {
        "partner_key": lambda: key_client(world["member"], partner=world["mine"]),
        "member_session": lambda: session_client(world["member"]),
        "staff": lambda: key_client(world["staff"]),
        "stranger": lambda: session_client(world["stranger"]),
        "anonymous": lambda: api_client,
    }
    client = clients[role]()
    url = f"/api/v1/rankings/{world['program'].pk}/"
    query = "?partner=" + str(world["mine"].pk)

    assert client.get(url + query).status_code == read
    assert client.put(url, {"entries": []}, format="json").status_code == write


def test_staff_list_every_partners_ranking_and_a_partner_only_its_own(world, key_client):
    staff = key_client(world["staff"]).get("/api/v1/rankings/").json()
    partner = key_client(world["member"], partner=world["mine"]).get("/api/v1/rankings/").json()

    assert {row["partner"] for row in staff["results"]} == {world["mine"].pk, world["theirs"].pk}
    assert [row["partner"] for row in partner["results"]] == [world["mine"].pk]


def test_staff_reading_a_program_with_several_partners_must_name_one(world, key_client):
    response = key_client(world["staff"]).get(f"/api/v1/rankings/{world['program'].pk}/")

    assert response.status_code == 400 and "partner" in response.json()["fields"]


def test_a_partner_key_without_the_write_scope_cannot_write(world, key_client):
    client = key_client(world["member"], scopes=["applications:read"], partner=world["mine"])

    response = client.put(f"/api/v1/rankings/{world['program'].pk}/", {"entries": []}, format="json")

    assert response.status_code == 403


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_reads_a_fixed_number_of_queries(world, key_client, size, django_assert_num_queries):
    client = key_client(world["staff"])
    for _ in range(size):
        program = factories.ProgramFactory(status="reviewing")
        factories.ProgramPartnerFactory(program=program, partner=world["mine"])
        application = factories.ApplicationFactory(program=program, in_review=True, status=Application.Status.ADVANCED)
        ranking = PartnerRanking.objects.create(program=program, partner=world["mine"])
        ranking.entries.create(application=application, rank=1)
    client.get("/api/v1/rankings/")

    with django_assert_num_queries(5):
        client.get("/api/v1/rankings/", {"page_size": 100})
