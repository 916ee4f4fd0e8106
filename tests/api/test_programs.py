"""Programs and rounds: who sees which, what the detail carries, constant queries, throttling."""

import pytest

from api.throttling import CallerRateThrottle
from matching.models import Program
from tests import factories

pytestmark = pytest.mark.django_db


def program_with_everything(**fields) -> Program:
    program = factories.ProgramFactory(**fields)
    factories.TrackFactory(program=program)
    factories.ProgramPartnerFactory(program=program)
    factories.QuestionFactory(program=program)
    evaluation_round = factories.EvaluationRoundFactory(program=program)
    factories.CriterionFactory(round=evaluation_round)
    return program


def test_a_program_detail_carries_its_tracks_partners_and_questions(staff_api):
    program = program_with_everything()

    body = staff_api.get(f"/api/v1/programs/{program.pk}/").json()

    assert [track["code"] for track in body["tracks"]] == list(program.tracks.values_list("code", flat=True))
    assert [partner["seats"] for partner in body["partners"]] == [program.partnerships.get().seats]
    assert [question["code"] for question in body["questions"]] == [program.questions.get().code]


def test_a_round_carries_its_criteria(staff_api):
    program = program_with_everything()
    evaluation_round = program.rounds.get()

    body = staff_api.get(f"/api/v1/rounds/{evaluation_round.pk}/").json()

    assert [c["code"] for c in body["criteria"]] == [evaluation_round.criteria.get().code]


def test_drafts_are_listed_for_staff_and_hidden_from_everyone_else(staff_api, key_client):
    draft = factories.ProgramFactory(status=Program.Status.DRAFT)
    public = factories.ProgramFactory(status=Program.Status.OPEN)
    applicant = key_client(factories.UserFactory())

    staff_ids = {p["id"] for p in staff_api.get("/api/v1/programs/").json()["results"]}
    applicant_ids = {p["id"] for p in applicant.get("/api/v1/programs/").json()["results"]}

    assert {draft.pk, public.pk} <= staff_ids
    assert (public.pk in applicant_ids, draft.pk in applicant_ids) == (True, False)
    assert applicant.get(f"/api/v1/programs/{draft.pk}/").status_code == 404


# The key, the count, the page; rounds also read their criteria, the criteria's tracks and their panels,
# one query each (and the panels' tracks when there are panels).
@pytest.mark.parametrize(("url", "queries"), [("/api/v1/programs/", 3), ("/api/v1/rounds/", 6)])
def test_program_and_round_lists_read_the_same_queries_for_2_and_20_programs(
    staff_api, django_assert_num_queries, url, queries
):
    for _ in range(2):
        program_with_everything()
    staff_api.get(url)  # a key's first use of the minute records it; count from the second
    with django_assert_num_queries(queries):
        staff_api.get(url, {"page_size": 100})
    for _ in range(18):
        program_with_everything()
    with django_assert_num_queries(queries):
        response = staff_api.get(url, {"page_size": 100})
    assert response.json()["count"] == 20


def test_a_key_over_its_rate_is_answered_429_with_when_to_retry(key_client, staff_user, monkeypatch):
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "3/min"})
    client, other = key_client(staff_user), key_client(staff_user)

    statuses = [client.get("/api/v1/programs/").status_code for _ in range(4)]
    throttled = client.get("/api/v1/programs/")

    assert statuses == [200, 200, 200, 429]
    assert throttled.json()["code"] == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert other.get("/api/v1/programs/").status_code == 200  # each key has its own allowance


def test_the_throttle_refuses_as_drfs_sliding_window_does_and_reads_drfs_stored_history(monkeypatch):
    """The times are stored packed, not as DRF's list; the decisions are DRF's: a request exactly one
    period old no longer counts. A history DRF stored (a list, newest first) is still counted."""
    from django.core.cache import cache

    now = [1000.0]
    monkeypatch.setattr(CallerRateThrottle, "THROTTLE_RATES", {"caller": "2/s"})
    monkeypatch.setattr(CallerRateThrottle, "timer", lambda self: now[0])
    monkeypatch.setattr(CallerRateThrottle, "get_cache_key", lambda self, request, view: "throttle_test")

    def allowed(at: float) -> bool:
        now[0] = at
        return CallerRateThrottle().allow_request(None, None)

    cache.delete("throttle_test")
    decisions = [allowed(t) for t in (1000.0, 1000.5, 1000.9, 1001.0, 1001.2, 1001.5)]
    assert decisions == [True, True, False, True, False, True]

    cache.set("throttle_test", [1001.9, 1001.8])  # as DRF stored it
    throttle = CallerRateThrottle()
    now[0] = 1002.0
    assert throttle.allow_request(None, None) is False
    assert throttle.wait() == pytest.approx(0.8)
    cache.delete("throttle_test")
