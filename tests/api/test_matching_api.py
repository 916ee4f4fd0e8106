"""Matching through the API: staff read runs, start one (a job), publish (with a reason) and set pins
and conflicts; a partner's key reads only its own matches of the published run; a startup sees its
partner only once the matching is published."""

from __future__ import annotations

import pytest

from jobs.models import Job
from matching.models import MatchingConstraint, MatchingRun, Program, SelectionEntry
from matching.services.matching import matching_publish, matching_run
from tests import factories
from tests.matching.test_matching_service import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest():
    """Startups 0–2 want A, then B; A (one seat) takes startup 2, B (one seat) startup 0; 1 is left."""
    w = World(seats={"A": 1, "B": 1}, startups=3)
    for i in range(3):
        w.prefer(i, "A", "B")
    w.rank("A", 2, 0, 1)
    w.rank("B", 0, 1, 2)
    return w


@pytest.fixture
def staff(key_client, staff_user):
    return key_client(staff_user)


@pytest.fixture
def partner_a(key_client, contest):
    member = factories.PartnerMembershipFactory(partner=contest.partners["A"]).user
    return key_client(member, partner=contest.partners["A"])


def publish(run, by, capture):
    with capture(execute=True):
        return matching_publish(run=run, by=by, reason="확정")


def test_staff_read_a_run_with_matches_seats_and_reasons(staff, contest, staff_user):
    run = matching_run(program_id=contest.program.pk, by=staff_user)

    body = staff.get(f"/api/v1/matching-runs/{run.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    w = contest
    assert body["matches"] == sorted(
        [{"application": w.aid(2), "partner": w.pid("A")}, {"application": w.aid(0), "partner": w.pid("B")}],
        key=lambda m: m["application"],
    )
    assert {(s["partner"], s["seats"], s["filled"]) for s in body["seats"]} == {(w.pid("A"), 1, 1), (w.pid("B"), 1, 1)}
    [unmatched] = body["unmatched"]
    assert (unmatched["application"], unmatched["code"]) == (w.aid(1), "seats_filled_by_preferred")
    assert unmatched["reason"] == "A and B filled their seats with startups they ranked higher."
    assert body["blocking_pairs"] == []


def test_staff_start_a_run_as_a_job(staff, contest, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff.post(f"/api/v1/programs/{contest.program.pk}/run-matching/")

    assert response.status_code == 202
    assert response["Location"] == f"/api/v1/jobs/{response.json()['id']}/"
    job = Job.objects.get(pk=response.json()["id"])
    assert (job.kind, job.status, job.result["run_id"]) == ("matching.run", "succeeded", MatchingRun.objects.get().pk)


def test_starting_a_run_of_a_program_not_final_is_refused_at_once(staff, contest):
    Program.objects.filter(pk=contest.program.pk).update(status=Program.Status.REVIEWING)

    response = staff.post(f"/api/v1/programs/{contest.program.pk}/run-matching/")

    assert (response.status_code, response.json()["code"]) == (409, "selection_not_final")
    assert not Job.objects.exists()


def test_publishing_needs_a_reason_then_sets_the_partners(
    staff, contest, staff_user, django_capture_on_commit_callbacks
):
    run = matching_run(program_id=contest.program.pk, by=staff_user)
    url = f"/api/v1/matching-runs/{run.pk}/publish/"

    without = staff.post(url, {}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        published = staff.post(url, {"reason": "매칭 위원회 확정"}, format="json")

    assert without.status_code in (400, 422)
    assert published.status_code == 200
    assert published.json()["published_at"]
    assert SelectionEntry.objects.filter(partner__isnull=False).count() == 2


def test_publishing_a_stale_run_is_a_409(staff, contest, staff_user):
    run = matching_run(program_id=contest.program.pk, by=staff_user)
    MatchingConstraint.objects.create(
        program=contest.program, application=contest.apps[1], partner=contest.partners["B"], kind="forbidden"
    )

    response = staff.post(f"/api/v1/matching-runs/{run.pk}/publish/", {"reason": "확정"}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "matching_stale")


def test_a_partners_key_reads_nothing_before_publication(partner_a, contest, staff_user):
    run = matching_run(program_id=contest.program.pk, by=staff_user)

    assert partner_a.get("/api/v1/matching-runs/").json()["results"] == []
    assert partner_a.get(f"/api/v1/matching-runs/{run.pk}/").status_code == 404


def test_a_partners_key_reads_only_its_own_published_matches(
    partner_a, contest, staff_user, django_capture_on_commit_callbacks
):
    run = matching_run(program_id=contest.program.pk, by=staff_user)
    publish(run, staff_user, django_capture_on_commit_callbacks)

    [body] = partner_a.get("/api/v1/matching-runs/").json()["results"]

    assert body["matches"] == [{"application": contest.aid(2), "partner": contest.pid("A")}]
    assert body["seats"] == [{"partner": contest.pid("A"), "seats": 1, "filled": 1}]
    assert not {"unmatched", "blocking_pairs", "fingerprint", "job"} & set(body)


def test_a_partner_reads_only_the_published_run_in_force(
    partner_a, contest, staff_user, django_capture_on_commit_callbacks
):
    first = matching_run(program_id=contest.program.pk, by=staff_user)
    publish(first, staff_user, django_capture_on_commit_callbacks)
    factories.MatchingConstraintFactory(
        program=contest.program, application=contest.apps[1], partner=contest.partners["A"], kind="pinned"
    )
    second = matching_run(program_id=contest.program.pk, by=staff_user)
    publish(second, staff_user, django_capture_on_commit_callbacks)

    listed = [row["id"] for row in partner_a.get("/api/v1/matching-runs/").json()["results"]]

    assert listed == [second.pk]
    assert partner_a.get(f"/api/v1/matching-runs/{first.pk}/").status_code == 404


def test_a_partner_cannot_start_publish_or_constrain(partner_a, contest, staff_user):
    run = matching_run(program_id=contest.program.pk, by=staff_user)
    constraint = {
        "program": contest.program.pk,
        "application": contest.aid(0),
        "partner": contest.pid("A"),
        "kind": "pinned",
        "reason": "x",
    }

    statuses = [
        partner_a.post(f"/api/v1/programs/{contest.program.pk}/run-matching/").status_code,
        partner_a.post(f"/api/v1/matching-runs/{run.pk}/publish/", {"reason": "x"}, format="json").status_code,
        partner_a.post("/api/v1/matching-constraints/", constraint, format="json").status_code,
        partner_a.get("/api/v1/matching-constraints/").status_code,
    ]

    assert statuses == [403, 403, 403, 403]


def test_staff_pin_and_unpin_a_pair(staff, contest):
    body = {
        "program": contest.program.pk,
        "application": contest.aid(0),
        "partner": contest.pid("A"),
        "kind": "pinned",
        "reason": "협약 기업",
    }

    created = staff.post("/api/v1/matching-constraints/", body, format="json")
    second = staff.post("/api/v1/matching-constraints/", {**body, "application": contest.aid(1)}, format="json")
    removed = staff.delete(f"/api/v1/matching-constraints/{created.json()['id']}/")

    assert created.status_code == 201
    assert (second.status_code, second.json()["code"]) == (409, "pins_exceed_seats")
    assert removed.status_code == 204
    assert not MatchingConstraint.objects.exists()


def test_a_startup_sees_its_partner_only_once_the_matching_is_published(
    session_client, contest, staff_user, django_capture_on_commit_callbacks
):
    member = contest.apps[2].startup.members.first().user
    client = session_client(member)
    run = matching_run(program_id=contest.program.pk, by=staff_user)

    before = client.get("/api/v1/selection/").json()["results"]
    publish(run, staff_user, django_capture_on_commit_callbacks)
    after = client.get("/api/v1/selection/").json()["results"]

    assert [row["partner"] for row in before] == [None]
    assert [row["partner"]["id"] for row in after] == [contest.pid("A")]
