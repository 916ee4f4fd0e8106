"""Reading applications (filters, search, pagination, ordering, the submitted content), round results,
the selection and startups through the API."""

import datetime as dt

import pytest
from django.utils import timezone

from matching.models import EvaluationRound, Program, Question, SelectionEntry
from startups.models import Application, Startup
from startups.services.applications import application_snapshot
from tests import factories

pytestmark = pytest.mark.django_db

A, R = Application.Status, EvaluationRound.Status
URL = "/api/v1/applications/"


def listed(client, url=URL, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def submit(application: Application) -> Application:
    """Record the application's current content as its submission, as `application_submit` does."""
    factories.SubmissionFactory(
        application=application, number=1, submitted_at=timezone.now(), snapshot=application_snapshot(application)
    )
    return application


# --- filters, search, ordering, pagination -------------------------------------------------------------


def test_applications_are_filtered_by_program(staff_api):
    wanted = factories.ApplicationFactory(submitted=True)
    factories.ApplicationFactory(submitted=True)

    assert listed(staff_api, program=wanted.program_id) == [wanted.pk]


def test_applications_are_filtered_by_status(staff_api):
    program = factories.ProgramFactory()
    factories.ApplicationFactory(program=program, submitted=True)
    in_review = factories.ApplicationFactory(program=program, in_review=True)

    assert listed(staff_api, status="in_review") == [in_review.pk]


def test_applications_are_filtered_by_whether_they_advanced_in_a_round(staff_api):
    evaluation_round = factories.EvaluationRoundFactory()
    ahead = factories.RoundResultFactory(round=evaluation_round, advanced=True).application
    behind = factories.RoundResultFactory(round=evaluation_round, advanced=False).application
    factories.RoundResultFactory(advanced=True)  # another round

    assert listed(staff_api, round=evaluation_round.pk, advanced="true") == [ahead.pk]
    assert listed(staff_api, round=evaluation_round.pk, advanced="false") == [behind.pk]
    assert sorted(listed(staff_api, round=evaluation_round.pk)) == sorted([ahead.pk, behind.pk])


def test_applications_are_filtered_by_submission_time(staff_api):
    now = timezone.now()
    early = factories.ApplicationFactory(submitted=True, first_submitted_at=now - dt.timedelta(days=3))
    factories.ApplicationFactory(submitted=True, first_submitted_at=now)

    assert listed(staff_api, submitted_at__lte=(now - dt.timedelta(days=1)).isoformat()) == [early.pk]


def test_applications_are_found_by_receipt_number(staff_api):
    wanted = factories.ApplicationFactory(submitted=True, receipt_number="GECP2026-0042")
    factories.ApplicationFactory(submitted=True)

    assert listed(staff_api, search="2026-0042") == [wanted.pk]


@pytest.mark.parametrize("term", ["오로라", "aurora"])
def test_applications_are_found_by_the_startups_korean_or_english_name(staff_api, term):
    startup = factories.StartupFactory(name_ko="주식회사 오로라랩스", name_en="Aurora Labs")
    wanted = factories.ApplicationFactory(startup=startup, submitted=True)
    factories.ApplicationFactory(submitted=True)

    assert listed(staff_api, search=term) == [wanted.pk]


def test_staff_find_an_application_by_business_registration_number_with_hyphens(staff_api):
    wanted = factories.ApplicationFactory(submitted=True)
    factories.ApplicationFactory(submitted=True)
    brn = wanted.startup.brn

    assert listed(staff_api, search=f"{brn[:3]}-{brn[3:5]}-{brn[5:]}") == [wanted.pk]


@pytest.mark.parametrize(("ordering", "expected"), [("receipt_number", [0, 1, 2]), ("-receipt_number", [2, 1, 0])])
def test_applications_are_ordered_by_receipt_number(staff_api, ordering, expected):
    made = [factories.ApplicationFactory(submitted=True, receipt_number=f"R-{n}") for n in range(3)]

    assert listed(staff_api, ordering=ordering) == [made[i].pk for i in expected]


def test_applications_are_ordered_by_submission_time(staff_api):
    now = timezone.now()
    late = factories.ApplicationFactory(submitted=True, first_submitted_at=now)
    early = factories.ApplicationFactory(submitted=True, first_submitted_at=now - dt.timedelta(hours=1))

    assert listed(staff_api, ordering="submitted_at") == [early.pk, late.pk]
    assert listed(staff_api, ordering="-submitted_at") == [late.pk, early.pk]


def test_a_page_links_to_the_next_one(staff_api):
    for _ in range(3):
        factories.ApplicationFactory(submitted=True)

    first = staff_api.get(URL, {"page_size": 2}).json()
    second = staff_api.get(first["next"]).json()

    assert (first["count"], len(first["results"]), len(second["results"]), second["next"]) == (3, 2, 1, None)
    assert first["next"].startswith("http://testserver/api/v1/applications/?")


def test_a_page_size_over_the_maximum_is_capped_at_200(staff_api):
    program = factories.ProgramFactory()
    startups = Startup.objects.bulk_create(Startup(name_ko=f"스타트업 {n}", ceo_name="대표") for n in range(201))
    Application.objects.bulk_create(Application(program=program, startup=startup) for startup in startups)

    body = staff_api.get(URL, {"page_size": 1000}).json()

    assert (body["count"], len(body["results"])) == (201, 200)


# --- error shapes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"program": "abc"}, "program"),
        ({"round": "abc"}, "round"),
        ({"advanced": "maybe"}, "advanced"),
        ({"submitted_at__gte": "yesterday"}, "submitted_at__gte"),
    ],
)
def test_a_bad_filter_value_gets_400_in_the_error_shape(staff_api, params, field):
    response = staff_api.get(URL, params)

    body = response.json()
    assert (response.status_code, body["code"], set(body)) == (400, "invalid", {"code", "detail", "fields"})
    assert list(body["fields"]) == [field]


def test_an_unknown_selection_outcome_gets_400(staff_api):
    response = staff_api.get("/api/v1/selection/", {"outcome": "winner"})

    assert (response.status_code, list(response.json()["fields"])) == (400, ["outcome"])


# --- the list's fields -------------------------------------------------------------------------------------


def test_the_list_shows_the_startup_the_track_and_the_newest_result(staff_api):
    application = factories.ApplicationFactory(in_review=True)
    first = factories.EvaluationRoundFactory(program=application.program, order=1, status=R.PUBLISHED)
    second = factories.EvaluationRoundFactory(program=application.program, order=2, status=R.RESULTS_COMPUTED)
    factories.RoundResultFactory(round=first, application=application, advanced=True)
    factories.RoundResultFactory(round=second, application=application, advanced=False, rank=7)

    row = staff_api.get(URL).json()["results"][0]

    assert row["startup"] == {
        "id": application.startup_id,
        "name_ko": application.startup.name_ko,
        "name_en": application.startup.name_en,
    }
    assert row["track"] == {"id": application.track_id, "code": application.track.code}
    assert (row["latest_result"]["round"], row["latest_result"]["rank"]) == (second.pk, 7)


def test_an_applicant_sees_only_whether_they_advanced_in_published_rounds(session_client):
    application = factories.ApplicationFactory(in_review=True)
    member = factories.StartupMemberFactory(startup=application.startup).user
    published = factories.EvaluationRoundFactory(program=application.program, order=1, status=R.PUBLISHED)
    computed = factories.EvaluationRoundFactory(program=application.program, order=2, status=R.RESULTS_COMPUTED)
    factories.RoundResultFactory(round=published, application=application, advanced=True)
    factories.RoundResultFactory(round=computed, application=application, advanced=False)

    row = session_client(member).get(URL).json()["results"][0]

    assert row["latest_result"] == {"round": published.pk, "round_order": 1, "advanced": True}


# --- the detail: the submitted content ---------------------------------------------------------------------


@pytest.fixture
def submitted():
    """An application with answers of several kinds, a declaration, a preference and a file, submitted."""
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    partner = factories.ProgramPartnerFactory(program=program, partner__name="NVIDIA").partner
    application = factories.ApplicationFactory(program=program, submitted=True)
    member = factories.StartupMemberFactory(startup=application.startup).user
    stage = factories.QuestionFactory(
        program=program,
        code="stage",
        kind=Question.Kind.SINGLE_CHOICE,
        max_length=None,
        choices=[{"value": "seed", "label_ko": "시드", "label_en": "Seed"}],
    )
    revenue = factories.QuestionFactory(program=program, code="revenue", kind=Question.Kind.NUMBER, order=1)
    factories.AnswerFactory(application=application, question=stage, value="seed")
    factories.AnswerFactory(application=application, question=revenue, value="1200000")
    factories.DeclarationAnswerFactory(application=application, declaration__code="tax-arrears", answer=False)
    factories.PartnerPreferenceFactory(application=application, partner=partner, rank=1)
    deck = factories.AttachmentFactory(application=application)
    submit(application)
    return application, member, deck, partner


def test_the_detail_shows_the_submitted_answers_with_their_display_values(staff_api, submitted):
    application, *_ = submitted

    body = staff_api.get(f"{URL}{application.pk}/", HTTP_ACCEPT_LANGUAGE="en").json()

    answers = {a["question"]: a for a in body["submission"]["answers"]}
    assert (answers["stage"]["value"], answers["stage"]["display"]) == ("seed", "Seed")
    assert (answers["revenue"]["kind"], answers["revenue"]["display"]) == ("number", "1,200,000")


def test_the_detail_shows_declarations_and_partner_preferences(staff_api, submitted):
    application, _member, _deck, partner = submitted

    submission = staff_api.get(f"{URL}{application.pk}/").json()["submission"]

    assert [(d["code"], d["answer"], d["excludes"]) for d in submission["declarations"]] == [
        ("tax-arrears", False, False)
    ]
    assert submission["partner_preferences"] == [{"rank": 1, "partner": {"id": partner.pk, "name": "NVIDIA"}}]


def test_the_detail_shows_what_was_submitted_not_later_edits(staff_api, submitted):
    application, *_ = submitted
    Application.objects.filter(pk=application.pk).update(title="고친 제목")

    body = staff_api.get(f"{URL}{application.pk}/").json()

    assert (body["title"], body["submission"]["title"]) == ("고친 제목", "생성형 AI 고객 상담 자동화")


def test_a_draft_never_submitted_has_no_submission(staff_api):
    draft = factories.ApplicationFactory()

    assert staff_api.get(f"{URL}{draft.pk}/").json()["submission"] is None


def test_an_attachment_link_downloads_the_file_for_the_startups_member(session_client, submitted):
    application, member, deck, _partner = submitted
    client = session_client(member)

    attachment = client.get(f"{URL}{application.pk}/").json()["submission"]["attachments"][0]
    download = client.get(attachment["download_url"])

    assert attachment["download_url"] == f"http://testserver/attachments/{deck.pk}/download/"
    assert (download.status_code, b"".join(download.streaming_content)) == (200, b"%PDF-1.4\n%test\n")


def test_an_attachment_link_answers_404_to_another_applicant(session_client, submitted):
    application, member, _deck, _partner = submitted
    link = session_client(member).get(f"{URL}{application.pk}/").json()["submission"]["attachments"][0]
    stranger = factories.StartupMemberFactory().user

    assert session_client(stranger).get(link["download_url"]).status_code == 404


def partner_view(key_client, application):
    """The application's detail as a current member of its program's partner reads it with a key."""
    partner_member = factories.PartnerMembershipFactory(partner=application.program.partnerships.get().partner)
    Application.objects.filter(pk=application.pk).update(status=A.SELECTED)
    client = key_client(partner_member.user, partner=partner_member.partner)
    return client.get(f"{URL}{application.pk}/").json()["submission"]


def test_a_partner_sees_no_file_of_a_question_not_shown_to_partners_not_even_its_name(key_client, submitted):
    application, *_ = submitted

    assert partner_view(key_client, application)["attachments"] == []


def test_a_partner_reads_only_the_answers_to_questions_shown_to_partners(key_client, submitted):
    application, *_ = submitted
    Question.objects.filter(program=application.program, code="stage").update(shown_to_partners=True)

    submission = partner_view(key_client, application)

    assert [answer["question"] for answer in submission["answers"]] == ["stage"]


def test_a_partner_reads_neither_the_declarations_nor_the_startups_ranking_of_partners(key_client, submitted):
    application, *_ = submitted

    submission = partner_view(key_client, application)

    assert (submission["declarations"], submission["partner_preferences"]) == ([], [])


def test_the_startups_member_sees_the_reasons_for_ineligibility(session_client):
    application = factories.ApplicationFactory(status=A.INELIGIBLE, ineligible_reasons=["설립 7년 초과"])
    member = factories.StartupMemberFactory(startup=application.startup).user

    body = session_client(member).get(f"{URL}{application.pk}/").json()

    assert body["ineligible_reasons"] == ["설립 7년 초과"]


# --- round results, the selection and startups ----------------------------------------------------------


def test_round_results_are_filtered_by_round_program_and_advancement(staff_api):
    evaluation_round = factories.EvaluationRoundFactory()
    ahead = factories.RoundResultFactory(round=evaluation_round, advanced=True)
    factories.RoundResultFactory(round=evaluation_round, advanced=False)
    other = factories.RoundResultFactory(advanced=True)
    url = "/api/v1/round-results/"

    assert listed(staff_api, url, round=evaluation_round.pk, advanced="true") == [ahead.pk]
    assert listed(staff_api, url, program=other.round.program_id) == [other.pk]


def test_the_selection_is_filtered_by_outcome_and_lists_the_startup(staff_api):
    program = factories.ProgramFactory(status=Program.Status.FINALISED)
    selected = factories.SelectionEntryFactory(program=program, position=1)
    factories.SelectionEntryFactory(program=program, outcome=SelectionEntry.Outcome.RESERVE, position=1)

    rows = staff_api.get("/api/v1/selection/", {"program": program.pk, "outcome": "selected"}).json()["results"]

    assert [(r["id"], r["receipt_number"], r["startup"]["id"]) for r in rows] == [
        (selected.pk, selected.application.receipt_number, selected.application.startup_id)
    ]


def test_an_applicant_does_not_see_the_selection_before_the_program_is_finalised(session_client):
    entry = factories.SelectionEntryFactory(program=factories.ProgramFactory(reviewing=True))
    member = factories.StartupMemberFactory(startup=entry.application.startup).user

    assert listed(session_client(member), "/api/v1/selection/") == []


def test_startups_show_their_sectors(staff_api):
    startup = factories.StartupFactory(women_owned=True)
    startup.sectors.add(factories.SectorFactory(code="ai", name_ko="인공지능", name_en="AI"))

    body = staff_api.get(f"/api/v1/startups/{startup.pk}/").json()

    assert body["sectors"] == [{"code": "ai", "name_ko": "인공지능", "name_en": "AI"}]
    assert body["flags"] == ["women_owned"]


def test_an_applicant_sees_their_startup_even_before_applying(session_client):
    member = factories.StartupMemberFactory()

    assert listed(session_client(member.user), "/api/v1/startups/") == [member.startup_id]
