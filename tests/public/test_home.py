import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from matching.models import Program
from tests.factories import ProgramFactory, ProgramPartnerFactory, TrackFactory

pytestmark = pytest.mark.django_db


def _program(**kwargs):
    program = ProgramFactory(**kwargs)
    TrackFactory(program=program, name_ko="API 트랙", name_en="API track")
    TrackFactory(program=program, name_ko="융합 트랙", name_en="Hardware track")
    ProgramPartnerFactory(program=program)
    return program


def test_the_home_page_lists_open_programs_with_tracks_and_deadline(client):
    _program(open=True, name_ko="오픈 공고", closes_at=timezone.now() + dt.timedelta(days=5))

    response = client.get("/")

    content = response.content.decode()
    assert response.status_code == 200
    assert "오픈 공고" in content
    assert "API 트랙" in content and "융합 트랙" in content
    assert "KST" in content


@pytest.mark.parametrize(
    "status", [Program.Status.DRAFT, Program.Status.ARCHIVED, Program.Status.CLOSED, Program.Status.REVIEWING]
)
def test_the_home_page_leaves_out_programs_not_taking_applications(client, status):
    _program(status=status, name_ko="보이면 안 되는 공고")

    response = client.get("/")

    assert "보이면 안 되는 공고" not in response.content.decode()


def test_an_open_program_past_its_deadline_is_not_listed(client):
    _program(
        open=True,
        name_ko="마감 지난 공고",
        opens_at=timezone.now() - dt.timedelta(days=10),
        closes_at=timezone.now() - dt.timedelta(minutes=1),
    )

    response = client.get("/")

    assert "마감 지난 공고" not in response.content.decode()


def test_an_open_program_whose_window_starts_later_is_listed_as_upcoming(client):
    program = _program(
        open=True,
        name_ko="예정 공고",
        opens_at=timezone.now() + dt.timedelta(days=3),
        closes_at=timezone.now() + dt.timedelta(days=20),
    )

    response = client.get("/")

    assert [p.pk for p in response.context["upcoming_programs"]] == [program.pk]
    assert response.context["open_programs"] == []
    assert 'id="upcoming-calls-title"' in response.content.decode()


def test_open_programs_are_listed_soonest_deadline_first(client):
    later = _program(open=True, closes_at=timezone.now() + dt.timedelta(days=9))
    sooner = _program(open=True, closes_at=timezone.now() + dt.timedelta(days=2))

    response = client.get("/")

    assert [p.pk for p in response.context["open_programs"]] == [sooner.pk, later.pk]


def test_the_home_page_says_so_when_no_call_is_open(client):
    response = client.get("/")

    assert response.status_code == 200
    assert 'class="empty-state"' in response.content.decode()


def test_the_home_page_queries_do_not_grow_with_the_number_of_programs(client, django_assert_num_queries):
    _program(open=True)
    with django_assert_num_queries(3):
        client.get("/")

    for _ in range(6):
        _program(open=True)
    with django_assert_num_queries(3):
        response = client.get("/")
    assert len(response.context["open_programs"]) == 7


def test_each_open_program_links_to_its_application(client):
    program = _program(open=True)

    response = client.get("/")

    assert f'href="{reverse("applications:start", args=[program.slug])}"' in response.content.decode()


def test_the_home_page_is_in_korean_by_default_and_english_after_switching(client):
    _program(open=True, name_ko="한국어 이름", name_en="English name")

    korean = client.get("/")
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get("/")

    assert korean.headers["Content-Language"] == "ko"
    assert "한국어 이름" in korean.content.decode()
    assert english.headers["Content-Language"] == "en"
    assert "English name" in english.content.decode()
    assert "Open calls" in english.content.decode()
