"""Staff's matching pages: a run read as prose (seats, pairs with ranks, reasons in words, the stability
check, the job), "run matching" on programs, "publish the matching" through its confirmation page."""

from __future__ import annotations

import re

import pytest

from jobs.models import Job
from matching.models import MatchingConstraint, MatchingRun, SelectionEntry
from matching.services.matching import matching_run
from notifications.models import Notification
from tests import factories
from tests.admin.conftest import admin_url, messages_of
from tests.matching.test_matching_service import World

pytestmark = pytest.mark.django_db

PARTICLE_BLUNDERS = re.compile(r"을\(를\)|를\(을\)|이\(가\)|가\(이\)|은\(는\)|\(으\)로|을/를|이/가|은/는|와/과")


def text_of(response) -> str:
    html = re.sub(r"<script.*?</script>|<svg.*?</svg>", " ", response.content.decode(), flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def in_language(client, language: str):
    client.cookies["django_language"] = language
    return client


@pytest.fixture
def english(staff_client):
    staff_client.cookies["django_language"] = "en"
    return staff_client


@pytest.fixture
def korean(staff_client):
    staff_client.cookies["django_language"] = "ko"
    return staff_client


@pytest.fixture
def contest():
    """Startups 0–2 want OpenAI, then Google; OpenAI has one seat for startup 2, Google one for startup 0."""
    w = World(seats={"OpenAI": 1, "Google": 1}, startups=3)
    w.partners["OpenAI"].name_ko = "오픈AI"
    w.partners["OpenAI"].save(update_fields=["name_ko"])
    w.partners["Google"].name_ko = "구글"
    w.partners["Google"].save(update_fields=["name_ko"])
    for i in range(3):
        w.prefer(i, "OpenAI", "Google")
    w.rank("OpenAI", 2, 0, 1)
    w.rank("Google", 0, 1, 2)
    for member in ("OpenAI", "Google"):
        factories.PartnerMembershipFactory(partner=w.partners[member])
    return w


@pytest.fixture
def run(contest, staff_user) -> MatchingRun:
    return matching_run(program_id=contest.program.pk, by=staff_user)


def test_a_run_page_shows_seats_pairs_with_ranks_and_the_stability_check(english, contest, run):
    text = text_of(english.get(admin_url(MatchingRun, "change", run.pk)))

    startup_2 = contest.apps[2].startup.name_en
    assert re.search(rf"{re.escape(startup_2)} \(\S+\) OpenAI choice 1 rank 1", text)
    assert re.search(r"OpenAI 1 1 0", text)  # seats, filled, empty
    assert "No blocking pair" in text
    assert "The inputs are unchanged: this run can be published" in text


def test_a_run_page_gives_each_unmatched_startup_its_reason_in_words(staff_client, contest, run):
    english_text = text_of(in_language(staff_client, "en").get(admin_url(MatchingRun, "change", run.pk)))
    korean_text = text_of(in_language(staff_client, "ko").get(admin_url(MatchingRun, "change", run.pk)))

    assert "OpenAI and Google filled their seats with startups they ranked higher." in english_text
    assert "파트너 오픈AI와 구글 모두 더 선호하는 스타트업으로 정원이 찼습니다." in korean_text
    assert PARTICLE_BLUNDERS.findall(korean_text) == []


def test_the_run_list_shows_how_many_are_matched_and_the_check(english, run):
    text = text_of(english.get(admin_url(MatchingRun, "changelist")))

    assert "2 of 3" in text
    assert "none (stable)" in text
    assert "not published" in text


def test_run_matching_on_a_program_starts_the_job_and_stores_a_run(
    english, contest, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = english.post(
            admin_url(type(contest.program), "changelist"),
            {"action": "matching_run_start", "_selected_action": [contest.program.pk], "index": 0},
        )

    assert response.status_code == 302
    job = Job.objects.get(kind=Job.Kind.MATCHING)
    assert (job.status, MatchingRun.objects.get().job_id) == (Job.Status.SUCCEEDED, job.pk)
    assert response["Location"] == admin_url(Job, "change", job.pk)  # staff land on the job's page
    page = english.get(response["Location"]).content.decode()
    assert "Matching done:" in page
    assert admin_url(MatchingRun, "change", MatchingRun.objects.get().pk) in page


def test_publishing_states_the_consequences_in_numbers_before_asking_for_the_reason(staff_client, run):
    english = in_language(staff_client, "en")
    url = english.post(
        admin_url(MatchingRun, "changelist"),
        {"action": "matching_publish", "_selected_action": [run.pk], "index": 0},
    )["Location"]

    english_text = text_of(english.get(url))
    korean_text = text_of(in_language(staff_client, "ko").get(url))

    assert "2 startups get their partner, and e-mails go to 3 startups and 2 partners." in english_text
    assert "1 selected startup stays without a partner." in english_text
    assert "2개사에 파트너가 정해지고 3개사·2개 파트너에 메일이 발송됩니다." in korean_text
    assert not SelectionEntry.objects.filter(partner__isnull=False).exists()


def test_a_first_publication_does_not_speak_of_partners_changing(staff_client, run):
    english = in_language(staff_client, "en")
    url = english.post(
        admin_url(MatchingRun, "changelist"),
        {"action": "matching_publish", "_selected_action": [run.pk], "index": 0},
    )["Location"]

    text = text_of(english.get(url))

    assert "2 startups get their partner" in text
    assert "selected startups change" not in text


def test_publishing_from_the_confirmation_page_needs_a_reason_then_sets_partners(
    english, contest, run, django_capture_on_commit_callbacks
):
    url = english.post(
        admin_url(MatchingRun, "changelist"),
        {"action": "matching_publish", "_selected_action": [run.pk], "index": 0},
    )["Location"]

    without_reason = english.post(url, {"reason": ""})
    with django_capture_on_commit_callbacks(execute=True):
        published = english.post(url, {"reason": "매칭 위원회 확정"})

    assert without_reason.status_code == 200
    assert published.status_code == 302
    assert SelectionEntry.objects.filter(partner__isnull=False).count() == 2
    assert Notification.objects.filter(event="matching.published").count() == 5


def test_a_stale_run_is_refused_on_the_confirmation_page_and_when_posted(english, contest, run):
    MatchingConstraint.objects.create(
        program=contest.program, application=contest.apps[1], partner=contest.partners["Google"], kind="forbidden"
    )
    url = english.post(
        admin_url(MatchingRun, "changelist"),
        {"action": "matching_publish", "_selected_action": [run.pk], "index": 0},
    )["Location"]

    page = text_of(english.get(url))
    posted = english.post(url, {"reason": "확정"}, follow=True)

    assert "Refused: The inputs changed since this run; run matching again." in page
    assert any("run matching again" in message for _level, message in messages_of(posted))
    run.refresh_from_db()
    assert run.published_at is None


def test_staff_pin_a_pair_with_a_reason_and_a_pin_beyond_the_seats_is_refused_in_words(english, contest):
    url = admin_url(MatchingConstraint, "add")
    pin = {"program": contest.program.pk, "partner": contest.partners["OpenAI"].pk, "kind": "pinned"}

    first = english.post(url, {**pin, "application": contest.apps[0].pk, "reason": "협약 기업"})
    second = english.post(url, {**pin, "application": contest.apps[1].pk, "reason": "협약 기업"})

    assert first.status_code == 302
    assert "OpenAI has 1 seat and it is pinned already" in text_of(second)
    assert MatchingConstraint.objects.count() == 1


def test_the_matching_pages_read_without_particle_guesses_in_korean(korean, run):
    pages = [admin_url(MatchingRun, "changelist"), admin_url(MatchingRun, "change", run.pk)]

    for url in pages:
        response = korean.get(url)
        assert response.status_code == 200
        assert PARTICLE_BLUNDERS.findall(text_of(response)) == []
