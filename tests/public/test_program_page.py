import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from matching.models import Program, Question
from tests.factories import (
    DeclarationFactory,
    ProgramFactory,
    ProgramPartnerFactory,
    QuestionFactory,
    TrackFactory,
)

pytestmark = pytest.mark.django_db

# 09:00 UTC is 18:00 in Seoul (KST, UTC+9, no daylight saving).
DEADLINE_UTC = dt.datetime(2031, 11, 17, 9, 0, tzinfo=dt.UTC)


def _korean_catalog_has(msgid: str) -> bool:
    with translation.override("ko"):
        return translation.gettext(msgid) != msgid


needs_korean_catalog = pytest.mark.skipif(
    not _korean_catalog_has("%(duration)s left"),
    reason="the Korean strings of var/translations-accounts-public.tsv are not in locale/ko yet",
)


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def test_the_program_page_shows_the_deadline_in_korea_time(client):
    program = ProgramFactory(open=True, opens_at=DEADLINE_UTC - dt.timedelta(days=14), closes_at=DEADLINE_UTC)

    response = _english(client).get(f"/programs/{program.slug}/")

    assert response.status_code == 200
    assert "Mon 17 Nov 2031, 18:00 <abbr" in response.content.decode()
    assert "KST" in response.content.decode()


def test_the_program_page_shows_the_time_left(client):
    program = ProgramFactory(open=True, closes_at=timezone.now() + dt.timedelta(days=3, hours=4, minutes=30))

    response = _english(client).get(f"/programs/{program.slug}/")

    assert "3 days 4 hours left" in response.content.decode()


def test_under_a_day_the_time_left_counts_hours_and_minutes(client):
    program = ProgramFactory(open=True, closes_at=timezone.now() + dt.timedelta(hours=5, minutes=12, seconds=30))

    response = _english(client).get(f"/programs/{program.slug}/")

    assert "5 hours 12 minutes left" in response.content.decode()


@needs_korean_catalog
def test_the_time_left_reads_naturally_in_korean(client):
    program = ProgramFactory(open=True, opens_at=DEADLINE_UTC - dt.timedelta(days=30), closes_at=DEADLINE_UTC)
    now = DEADLINE_UTC - dt.timedelta(days=3, hours=4, minutes=30)

    from matching.windows import application_window

    with translation.override("ko"):
        window = application_window(program, now=now)

    assert window.countdown == "마감까지 3일 4시간"
    assert window.closes == "2031년 11월 17일 (월) 18:00"


def test_a_closed_program_says_applications_are_closed_and_offers_no_apply_link(client):
    program = ProgramFactory(
        status=Program.Status.CLOSED,
        opens_at=timezone.now() - dt.timedelta(days=20),
        closes_at=timezone.now() - dt.timedelta(days=2),
    )

    response = _english(client).get(f"/programs/{program.slug}/")

    assert response.status_code == 200
    assert response.context["window"].is_closed
    assert "Applications closed" in response.content.decode()
    assert reverse("applications:start", args=[program.slug]) not in response.content.decode()


def test_an_open_program_past_its_deadline_reads_as_closed(client):
    program = ProgramFactory(
        open=True, opens_at=timezone.now() - dt.timedelta(days=20), closes_at=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get(f"/programs/{program.slug}/")

    assert response.context["window"].is_closed


@pytest.mark.parametrize("status", [Program.Status.DRAFT, Program.Status.ARCHIVED])
def test_draft_and_archived_programs_are_not_found(client, status):
    program = ProgramFactory(status=status)

    response = client.get(f"/programs/{program.slug}/")

    assert response.status_code == 404


def test_an_unknown_program_is_not_found(client):
    assert client.get("/programs/no-such-call/").status_code == 404


def test_the_program_page_shows_tracks_and_whether_pre_founders_may_apply(client):
    program = ProgramFactory(open=True)
    TrackFactory(program=program, name_en="API track", admits_pre_founders=True)
    TrackFactory(program=program, name_en="Hardware track", admits_pre_founders=False)

    content = _english(client).get(f"/programs/{program.slug}/").content.decode()

    assert "API track" in content and "Hardware track" in content
    assert content.count("Pre-founders may apply") == 1
    assert content.count("Registered companies only") == 1


def test_the_program_page_shows_eligibility_age_limit_and_declarations(client):
    program = ProgramFactory(open=True, max_company_age_years=7)
    DeclarationFactory(program=program, text_en="Are you in arrears on taxes?")

    content = _english(client).get(f"/programs/{program.slug}/").content.decode()

    assert "Founded less than 7 years ago" in content
    assert "Are you in arrears on taxes?" in content
    assert "Not eligible if “yes”" in content


def test_the_program_page_lists_the_documents_to_upload_with_size_limits(client):
    program = ProgramFactory(open=True)
    QuestionFactory(program=program, kind=Question.Kind.FILE, label_en="Pitch deck (PDF)", max_file_size_mb=15)
    QuestionFactory(program=program, kind=Question.Kind.FILE, label_en="Certificate", required=False)
    QuestionFactory(program=program, kind=Question.Kind.LONG_TEXT, label_en="Problem you solve")

    content = _english(client).get(f"/programs/{program.slug}/").content.decode()

    assert "Pitch deck (PDF)" in content and "15 MB" in content
    assert "Certificate" in content and "20 MB" in content
    assert "Problem you solve" not in content


def test_an_open_program_has_an_apply_button(client):
    program = ProgramFactory(open=True)

    content = client.get(f"/programs/{program.slug}/").content.decode()

    assert f'href="{reverse("applications:start", args=[program.slug])}"' in content


def test_a_program_whose_window_has_not_opened_has_no_apply_button(client):
    program = ProgramFactory(
        open=True,
        opens_at=timezone.now() + dt.timedelta(days=1, hours=2),
        closes_at=timezone.now() + dt.timedelta(days=9),
    )

    response = _english(client).get(f"/programs/{program.slug}/")

    assert response.context["window"].is_upcoming
    assert reverse("applications:start", args=[program.slug]) not in response.content.decode()
    assert "Opens in 1 day 1 hour" in response.content.decode()


def test_the_program_page_queries_do_not_grow_with_its_content(client, django_assert_num_queries):
    program = ProgramFactory(open=True)

    def add_content(n):
        for _ in range(n):
            track = TrackFactory(program=program)
            DeclarationFactory(program=program)
            QuestionFactory(program=program, kind=Question.Kind.FILE, track=track)
            ProgramPartnerFactory(program=program, seats=1)

    add_content(1)
    with django_assert_num_queries(5):
        client.get(f"/programs/{program.slug}/")

    add_content(8)
    with django_assert_num_queries(5):
        response = client.get(f"/programs/{program.slug}/")
    assert len(response.context["program"].file_questions) == 9
