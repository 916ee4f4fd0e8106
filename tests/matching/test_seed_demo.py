"""`seed_demo`: the OpenAI call of the Global Enterprise Collaboration Program, mid-way through
round 1. Loaded once for the module (about a second) and rolled back after it."""

import dataclasses
import datetime as dt
import io
import random
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from core.validators import brn_check_digit, company_age_years, local_date
from jobs.models import Job
from matching.demo import DEMO_PROGRAM_SLUG, STAFF_EMAIL
from matching.demo.load import SEED
from matching.demo.partnering import PARTNERS, partner_member_email, partnering_ensure, plan_partnering
from matching.demo.partnering import PROGRAM as PARTNERING_PROGRAM
from matching.demo.partnering import SEED as PARTNERING_SEED
from matching.demo.plan import plan_applicants, sha256_hex
from matching.models import (
    Assignment,
    Conflict,
    EvaluationRound,
    MatchingRun,
    MeetingEvent,
    PartnerMembership,
    PartnerRanking,
    Program,
    Question,
    Review,
)
from matching.services.carry_over import carry_over_check_saved
from matching.services.matching import matching_inputs, matching_run
from matching.services.meetings import meeting_recipients, meetings_schedule
from matching.services.rankings import ranking_save
from matching.stable import blocking_pairs, stable_match
from notifications.models import Notification, WebhookDelivery
from startups.models import Answer, Application, Attachment, DeclarationAnswer, Startup
from startups.services import ensure_window_open
from startups.services.applications import application_snapshot, with_everything

pytestmark = pytest.mark.django_db

A = Application.Status
PARTNERING_SLUG = PARTNERING_PROGRAM["slug"]


@dataclasses.dataclass
class Demo:
    program: Program
    output: str
    media: Path


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("demo-media")
    default = {**settings.STORAGES["default"], "OPTIONS": {"location": str(media), "base_url": None}}
    # The demo password is hashed a few times here; the production hasher would take most of the runtime.
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        override_settings(STORAGES={**settings.STORAGES, "default": default}, PASSWORD_HASHERS=fast_hashing),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        output = io.StringIO()
        call_command("seed_demo", stdout=output)
        yield Demo(program=Program.objects.get(slug=DEMO_PROGRAM_SLUG), output=output.getvalue(), media=media)
        transaction.set_rollback(True)


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models(include_auto_created=True)}


def _round(demo: Demo, order: int) -> EvaluationRound:
    return demo.program.rounds.get(order=order)


def test_a_second_run_leaves_every_table_as_it_was(demo):
    before = _row_counts()

    call_command("seed_demo", stdout=io.StringIO())

    assert _row_counts() == before


def test_a_second_run_says_the_demo_is_already_loaded_and_prints_the_login(demo):
    output = io.StringIO()

    call_command("seed_demo", stdout=output)

    assert "already loaded" in output.getvalue()
    assert STAFF_EMAIL in output.getvalue()
    assert settings.MATCHDAY_DEMO_PASSWORD in output.getvalue()


def test_a_second_run_keeps_a_staff_password_changed_since_and_says_so(demo):
    staff = User.objects.get(email=STAFF_EMAIL)
    staff.set_password("chosen by the operator")
    staff.save(update_fields=["password"])
    output = io.StringIO()

    call_command("seed_demo", stdout=output)

    staff.refresh_from_db()
    assert staff.check_password("chosen by the operator")
    (staff_row,) = (line for line in output.getvalue().splitlines() if STAFF_EMAIL in line)
    assert "password changed since the demo was loaded" in staff_row


def test_the_first_run_prints_the_login_what_it_created_and_the_time_taken(demo):
    assert any(line.split()[:2] == ["staff", STAFF_EMAIL] for line in demo.output.splitlines())
    assert f"password for every one: {settings.MATCHDAY_DEMO_PASSWORD}" in demo.output
    assert [line.split()[-1] for line in demo.output.splitlines() if "startups.Application " in line] == ["220"]
    assert "Took " in demo.output


def test_the_program_is_mid_review_with_220_applications_two_tracks_and_three_rounds(demo):
    program = demo.program

    assert program.status == Program.Status.REVIEWING
    assert program.applications.count() == 220
    assert sorted(program.tracks.values_list("code", flat=True)) == ["api", "collab"]
    assert list(program.rounds.values_list("kind", "status")) == [
        ("document", "scoring"),
        ("presentation", "setup"),
        ("partner_interview", "setup"),
    ]


def test_openai_is_the_only_partner_and_its_ten_seats_make_the_quota(demo):
    partnerships = list(demo.program.partnerships.select_related("partner"))

    assert [(p.partner.name, p.seats) for p in partnerships] == [("OpenAI", 10)]
    assert demo.program.quota == 10
    assert _round(demo, 3).partner == partnerships[0].partner


def test_round_two_carries_over_thirty_percent_of_round_one(demo):
    weights = {w.source_round.order: str(w.weight) for w in _round(demo, 2).carry_over_weights.all()}

    assert weights == {1: "0.300", 2: "0.700"}


def test_every_rounds_carry_over_weights_pass_the_check_staff_are_held_to(demo):
    for evaluation_round in demo.program.rounds.all():
        carry_over_check_saved(round=evaluation_round)


def test_the_form_asks_a_question_of_every_kind(demo):
    kinds = set(demo.program.questions.values_list("kind", flat=True))

    assert kinds == set(Question.Kind.values)


def test_every_business_registration_number_passes_the_check_digit_and_is_unique(demo):
    brns = list(Startup.objects.filter(applications__program=demo.program).values_list("brn", flat=True))

    assert len(brns) == 220
    assert all(brn and brn_check_digit(brn[:9]) == int(brn[9]) for brn in brns)
    assert len(set(brns)) == len(brns)


def test_every_application_in_review_is_young_enough_and_declared_nothing_that_excludes(demo):
    in_review = demo.program.applications.filter(status=A.IN_REVIEW).select_related("startup")
    deadline = local_date(demo.program.closes_at, demo.program.time_zone)

    assert all(company_age_years(a.startup.founded_on, on=deadline) < 10 for a in in_review)
    assert not DeclarationAnswer.objects.filter(application__in=in_review, answer=True).exists()


def test_every_ineligible_application_says_why(demo):
    ineligible = list(demo.program.applications.filter(status=A.INELIGIBLE))

    assert ineligible
    assert all(a.ineligible_reasons and a.receipt_number for a in ineligible)


def test_drafts_have_no_receipt_and_no_submission(demo):
    drafts = list(demo.program.applications.filter(status=A.DRAFT).prefetch_related("submissions"))

    assert drafts
    assert all(a.receipt_number is None and not a.submissions.all() for a in drafts)


def test_receipt_numbers_are_sequential_in_order_of_first_submission_and_carry_the_prefix(demo):
    numbers = list(
        demo.program.applications.exclude(receipt_number=None)
        .order_by("first_submitted_at")
        .values_list("receipt_number", flat=True)
    )

    assert numbers == [f"GECP2024-{n:04d}" for n in range(1, len(numbers) + 1)]
    assert demo.program.receipt_counter == len(numbers)


def test_every_submitted_application_has_its_pdf_pitch_deck_in_storage(demo):
    submitted = demo.program.applications.exclude(first_submitted_at=None)
    decks = list(Attachment.objects.filter(application__in=submitted, kind=Attachment.Kind.PITCH_DECK))
    storage = FileSystemStorage(location=demo.media)

    assert len(decks) == submitted.count()
    for deck in decks:
        data = storage.open(deck.file.name).read()
        assert data.startswith(b"%PDF-")
        assert (len(data), sha256_hex(data)) == (deck.size, deck.sha256)


def test_every_application_in_review_has_exactly_three_round_one_evaluators(demo):
    pairs = list(_round(demo, 1).assignments.values_list("application_id", "evaluator_id"))
    in_review = demo.program.applications.filter(status=A.IN_REVIEW).values_list("id", flat=True)
    evaluators = defaultdict(set)
    for application_id, evaluator_id in pairs:
        evaluators[application_id].add(evaluator_id)

    assert set(evaluators) == set(in_review)
    assert len(pairs) == 3 * len(in_review)
    assert {len(chosen) for chosen in evaluators.values()} == {3}


def test_no_assignment_pairs_an_evaluator_with_a_startup_they_have_a_conflict_with(demo):
    conflicts = set(Conflict.objects.values_list("evaluator_id", "startup_id"))
    assigned = set(Assignment.objects.values_list("evaluator_id", "application__startup_id"))
    conflicted_in_review = Conflict.objects.filter(
        startup__applications__program=demo.program, startup__applications__status=A.IN_REVIEW
    )

    assert conflicted_in_review.exists()  # otherwise the check below proves nothing
    assert not conflicts & assigned


def test_round_one_evaluator_loads_differ_by_at_most_one(demo):
    round_one = _round(demo, 1)
    loads = Counter(round_one.assignments.values_list("evaluator_id", flat=True))
    loads.update(dict.fromkeys(round_one.evaluators.values_list("id", flat=True), 0))

    assert len(loads) == 15
    assert max(loads.values()) - min(loads.values()) <= 1


def test_round_one_is_part_way_with_submitted_half_scored_and_pending_assignments(demo):
    statuses = Counter(_round(demo, 1).assignments.values_list("status", flat=True))

    assert set(statuses) == {"submitted", "in_progress", "pending"}
    assert statuses["submitted"] > statuses["pending"] + statuses["in_progress"]


def test_every_submitted_review_has_one_score_per_criterion_within_its_range(demo):
    round_one = _round(demo, 1)
    criteria = {c.pk: c for c in round_one.criteria.all()}
    reviews = Review.objects.filter(assignment__round=round_one, submitted_at__isnull=False).prefetch_related("scores")

    assert reviews.count() == round_one.assignments.filter(status=Assignment.Status.SUBMITTED).count()
    for review in reviews:
        scores = list(review.scores.all())
        assert sorted(s.criterion_id for s in scores) == sorted(criteria)
        for score in scores:
            criterion = criteria[score.criterion_id]
            assert (score.round_id, score.max_score) == (round_one.pk, criterion.max_score)
            assert 0 <= score.value <= criterion.max_score


def test_reviews_in_progress_are_unsubmitted_and_only_partly_scored(demo):
    round_one = _round(demo, 1)
    drafts = Review.objects.filter(assignment__status=Assignment.Status.IN_PROGRESS).prefetch_related("scores")

    assert drafts
    assert all(r.submitted_at is None and 0 < len(r.scores.all()) < round_one.criteria.count() for r in drafts)


def test_the_staff_user_logs_in_with_the_demo_password(demo, client):
    assert client.login(email=STAFF_EMAIL, password=settings.MATCHDAY_DEMO_PASSWORD)

    user = User.objects.get(pk=client.session["_auth_user_id"])
    assert (user.email, user.is_staff, user.is_superuser) == (STAFF_EMAIL, True, True)
    assert (user.name, user.preferred_language) == ("운영 담당자", "ko")


def test_the_applicants_come_from_a_fixed_seed(demo):
    first, again = plan_applicants(random.Random(SEED)), plan_applicants(random.Random(SEED))
    loaded = set(Startup.objects.filter(applications__program=demo.program).values_list("brn", "name_ko"))

    assert first == again
    assert loaded == {(p.brn, p.name_ko) for p in first}


def test_an_open_call_takes_applications_now_for_people_trying_the_demo(demo):
    open_call = Program.objects.get(slug="gecp-2026-openai")

    ensure_window_open(open_call)  # raises when the call is not taking applications
    assert open_call.questions.count() == demo.program.questions.count()
    assert "/programs/gecp-2026-openai/" in demo.output


def test_demo_people_can_sign_in_on_the_public_site_with_the_demo_password(demo, client):
    evaluator = Assignment.objects.select_related("evaluator__user").first().evaluator.user

    response = client.post("/accounts/login/", {"login": evaluator.email, "password": settings.MATCHDAY_DEMO_PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_latest_submission_of_each_application_is_what_submitting_it_now_would_record(demo):
    submitted = with_everything(demo.program.applications.exclude(receipt_number=None)).order_by("pk")[:10]

    for application in submitted:
        latest = max(application.submissions.all(), key=lambda s: s.number)
        assert latest.snapshot == application_snapshot(application)


# The OpenAI program's pitch session at the Matching Day, and the second program with six partners


def _second(demo: Demo) -> Program:
    return Program.objects.get(slug=PARTNERING_SLUG)


def _pitch_session(demo: Demo) -> MeetingEvent:
    return demo.program.events.get(kind=MeetingEvent.Kind.PITCH)


def _matching_inputs(program: Program) -> tuple[dict, dict, dict]:
    """What a matching run of the program feeds `stable_match`: preferences by id, and seats."""
    inputs = matching_inputs(program=program)
    startup_prefs = {int(a): list(partners) for a, partners in inputs["startups"].items()}
    partner_prefs = {int(p): list(applications) for p, applications in inputs["partners"].items()}
    capacities = {int(p): seats for p, seats in inputs["seats"].items()}
    return startup_prefs, partner_prefs, capacities


def test_the_openai_pitch_session_is_at_the_matching_day_in_san_francisco_with_the_openai_panel(demo):
    event = _pitch_session(demo)

    assert (event.status, event.time_zone, event.slot_minutes) == ("scheduled", "America/Los_Angeles", 20)
    assert event.round == _round(demo, 3)
    assert "San Francisco" in event.venue
    assert event.breaks == [{"starts": "12:00", "ends": "13:00"}]
    assert [t.partner_id for t in event.tables.all()] == [None]  # the round's panel hosts a pitch session
    assert set(event.meetings.values_list("partner_id", flat=True)) == {None}


def test_the_openai_pitch_session_has_fourteen_meetings_seven_per_track_in_its_venue_hours(demo):
    event = _pitch_session(demo)
    meetings = list(event.meetings.select_related("application"))
    zone = ZoneInfo("America/Los_Angeles")
    local = [(m.starts_at.astimezone(zone), m.ends_at.astimezone(zone)) for m in meetings]

    assert len(meetings) == 14
    assert Counter(m.application.track_id for m in meetings) == dict.fromkeys(
        demo.program.tracks.values_list("pk", flat=True), 7
    )
    assert all(m.status == "scheduled" and m.sequence == 0 and not m.locked for m in meetings)
    assert all(end - start == dt.timedelta(minutes=20) for start, end in local)
    assert all(start.date() == dt.date(2024, 3, 14) and dt.time(10) <= start.time() for start, _ in local)
    assert all(end.time() <= dt.time(12) or start.time() >= dt.time(13) for start, end in local)  # lunch


def test_the_openai_pitch_session_double_books_no_startup_and_no_table(demo):
    meetings = list(_pitch_session(demo).meetings.values_list("application_id", "table_id", "starts_at"))

    assert len({(a, start) for a, _, start in meetings}) == len(meetings)
    assert len({(t, start) for _, t, start in meetings}) == len(meetings)
    assert len({a for a, _, _ in meetings}) == 14


def test_each_pitch_concerns_the_startups_owner_and_the_three_people_of_the_openai_panel(demo):
    meetings = list(_pitch_session(demo).meetings.all())
    openai_staff = set(PartnerMembership.objects.filter(partner__slug="openai").values_list("user__email", flat=True))

    people = meeting_recipients(meetings)

    assert len(openai_staff) == 3
    for meeting in meetings:
        emails = {user.email for user in people[meeting.pk]}
        assert openai_staff < emails and len(emails) == 4


def test_scheduling_the_pitch_session_again_keeps_every_meeting_where_it_is(demo):
    report = meetings_schedule(event_id=_pitch_session(demo).pk, by="staff")

    assert (report["placed"], report["kept"], report["created"], report["moved"], report["cancelled"]) == (
        14,
        14,
        0,
        0,
        0,
    )


def test_a_database_loaded_before_the_pitch_session_gets_it_on_the_next_run(demo):
    event = _pitch_session(demo)
    event.meetings.all().delete()  # a table's meetings protect it
    event.delete()

    call_command("seed_demo", stdout=io.StringIO())

    assert _pitch_session(demo).meetings.filter(status="scheduled").count() == 14


def test_the_second_program_has_six_partners_whose_seats_add_up_to_its_quota(demo):
    program = _second(demo)
    seats = dict(program.partnerships.values_list("partner__name", "seats"))

    assert len(seats) == 6
    assert {"Hanbit Robotics", "Aurora Cloud", "Solmaru Bio", "Nuri Mobility"} <= set(seats)
    assert sum(seats.values()) == program.quota


def test_the_second_programs_selection_is_final_with_sixty_finalists_and_no_partner_yet(demo):
    program = _second(demo)
    outcomes = Counter(program.selection.values_list("outcome", flat=True))

    assert program.status == Program.Status.FINALISED
    # One selected startup declined its seat (matching/demo/accept.py): the first reserve took it.
    assert (outcomes["selected"], outcomes["reserve"]) == (program.quota, program.reserve_size - 1) == (50, 9)
    assert Counter(program.applications.values_list("status", flat=True)) == {
        "selected": 50,
        "reserve": 9,
        "withdrawn": 1,
        "not_selected": 30,
    }
    assert not program.selection.exclude(partner=None).exists()


def test_every_partner_of_the_second_program_submitted_a_ranking_of_every_finalist(demo):
    program = _second(demo)
    finalists = set(program.applications.filter(status__in=("selected", "reserve")).values_list("pk", flat=True))
    rankings = list(PartnerRanking.objects.filter(program=program).prefetch_related("entries"))

    assert len(rankings) == 6
    for ranking in rankings:
        entries = list(ranking.entries.all())
        assert (ranking.status, ranking.submitted_by is not None) == ("submitted", True)
        assert {e.application_id for e in entries} == finalists
        ranks = sorted(e.rank for e in entries if e.rank is not None)
        assert ranks == list(range(1, len(ranks) + 1))
        assert 0 < sum(e.not_interested for e in entries) < len(entries)


def test_each_demo_ranking_is_accepted_unchanged_when_its_partner_submits_it_again(demo):
    # The demo writes the rankings in bulk; they must be ones the ranking service itself accepts.
    program = _second(demo)
    for ranking in PartnerRanking.objects.filter(program=program).select_related("partner", "submitted_by"):
        before = sorted(ranking.entries.values_list("application_id", "rank", "not_interested"))
        entries = {a: "not_interested" if not_interested else rank for a, rank, not_interested in before}

        again = ranking_save(
            program=program, partner=ranking.partner, entries=entries, by=ranking.submitted_by, submit=True
        )

        assert sorted(again.entries.values_list("application_id", "rank", "not_interested")) == before


def test_the_second_programs_ranking_deadline_is_a_few_days_ahead_and_no_matching_has_run(demo):
    program = _second(demo)

    assert timezone.now() < program.ranking_deadline < timezone.now() + dt.timedelta(days=5)
    assert not MatchingRun.objects.filter(program=program).exists()


def test_a_matching_run_of_the_second_program_matches_most_startups_with_no_blocking_pair(demo):
    program = _second(demo)

    run = matching_run(program_id=program.pk, by=None)

    assert run.blocking_pairs == []
    assert len(run.assignment) + len(run.unmatched) == 50
    assert len(run.assignment) >= 40


def test_every_selected_startup_of_the_second_program_ranks_at_least_one_partner(demo):
    program = _second(demo)
    partners = set(program.partnerships.values_list("partner_id", flat=True))
    startup_prefs, _, _ = _matching_inputs(program)

    assert len(startup_prefs) == 50
    assert all(1 <= len(prefs) <= 4 and set(prefs) <= partners for prefs in startup_prefs.values())


def test_stable_matching_on_the_second_programs_inputs_leaves_no_blocking_pair(demo):
    startup_prefs, partner_prefs, capacities = _matching_inputs(_second(demo))

    result = stable_match(startup_prefs, partner_prefs, capacities)

    assert blocking_pairs(startup_prefs, partner_prefs, capacities, result.assignment) == []
    assert len(result.assignment) >= 40  # most are matched; the rest have a reason
    assert set(result.unmatched) == set(startup_prefs) - set(result.assignment)


def test_the_second_programs_finalists_answer_in_english_for_partners(demo):
    program = _second(demo)
    finalists = program.applications.filter(status__in=("selected", "reserve"))
    shown = list(program.questions.filter(shown_to_partners=True, kind="long_text"))

    assert program.english_for_partners
    assert not finalists.filter(summary_en="").exists()
    assert shown
    assert not Answer.objects.filter(application__in=finalists, question__in=shown, value_en="").exists()


def test_each_partner_of_the_second_program_has_a_member_who_reads_english_and_signs_in(demo, client):
    program = _second(demo)
    memberships = PartnerMembership.objects.filter(partner__partnerships__program=program).select_related("user")

    assert sorted(m.partner_id for m in memberships) == sorted(
        program.partnerships.values_list("partner_id", flat=True)
    )
    assert {m.user.preferred_language for m in memberships} == {"en"}
    email = memberships[0].user.email
    response = client.post("/accounts/login/", {"login": email, "password": settings.MATCHDAY_DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_first_run_prints_one_partner_member_login_per_program(demo):
    second = _second(demo)
    members = {line.split()[2] for line in demo.output.splitlines() if line.startswith("  partner member ")}

    assert len(members) == 2 and "alex.rivera@openai.example.com" in members
    assert PartnerMembership.objects.filter(user__email__in=members, partner__partnerships__program=second).exists()


def test_the_seoul_matching_day_is_ready_to_schedule_with_tables_for_every_partner(demo):
    program = _second(demo)
    event = program.events.get()

    assert (event.kind, event.status, event.time_zone) == ("matching_day", "planning", "Asia/Seoul")
    assert not event.meetings.exists()
    assert set(event.tables.values_list("partner_id", flat=True)) == set(
        program.partnerships.values_list("partner_id", flat=True)
    )
    assert 1 <= len({a.partner_id for a in event.availabilities.all()}) <= 2
    assert event.starts_on > timezone.now().date()


def test_scheduling_the_seoul_matching_day_places_every_meeting_its_rankings_ask_for(demo):
    event = _second(demo).events.get()

    report = meetings_schedule(event_id=event.pk, by="staff")

    assert report["requests"] > 60
    assert (report["placed"], report["unplaced"]) == (report["requests"], [])


def test_the_second_program_comes_from_a_fixed_seed(demo):
    taken = {"names": set(), "brns": set()}
    first = plan_partnering(random.Random(PARTNERING_SEED), taken_names=taken["names"], taken_brns=taken["brns"])
    again = plan_partnering(random.Random(PARTNERING_SEED), taken_names=taken["names"], taken_brns=taken["brns"])

    assert first == again
    assert len(first.applicants) == 90


def test_loading_the_demo_sends_nothing(demo):
    assert not Notification.objects.exists()
    assert not WebhookDelivery.objects.exists()
    assert not Job.objects.exists()


def test_the_second_program_is_written_in_a_fixed_number_of_queries(demo, django_assert_max_num_queries):
    program = _second(demo)
    startups = list(Startup.objects.filter(applications__program=program).values_list("pk", flat=True))
    people = [email for slug, *_ in PARTNERS for email in [partner_member_email(slug)]]
    people += list(User.objects.filter(startup_memberships__startup__in=startups).values_list("email", flat=True))
    program.applications.all().delete()  # their answers, submissions, preferences, rankings' entries …
    Startup.objects.filter(pk__in=startups).delete()
    program.questions.all().delete()
    program.tracks.all().delete()
    program.delete()
    User.objects.filter(email__in=people).delete()

    with django_assert_max_num_queries(60):
        second, written = partnering_ensure(password_hash=lambda: "!", now=timezone.now())

    assert written["startups.Application"] == 90
    assert second.slug == PARTNERING_SLUG


def test_a_later_run_confirms_no_address_of_someone_who_signed_up_since(demo):
    newcomer = User.objects.create_user(email="newcomer@example.org", password="x" * 12)

    call_command("seed_demo", stdout=io.StringIO())

    assert not EmailAddress.objects.filter(user=newcomer).exists()


def test_every_application_of_the_second_program_has_a_pdf_pitch_deck_shown_to_partners(demo):
    program = _second(demo)
    decks = list(Attachment.objects.filter(application__program=program).select_related("question"))
    storage = FileSystemStorage(location=demo.media)

    assert len(decks) == program.applications.count()
    assert all(deck.question.shown_to_partners for deck in decks)
    assert all(storage.open(deck.file.name).read().startswith(b"%PDF-") for deck in decks[:5])


def test_round_one_asks_for_a_pledge_some_evaluators_accepted_one_not_yet_and_exclusions_show_each_state(demo):
    from matching.models import ExclusionRequest, PledgeAcceptance, RoundPledge
    from matching.services.pledges import pledge_missing

    round_one = _round(demo, 1)
    pledge = RoundPledge.objects.get(round=round_one)
    accepted = set(PledgeAcceptance.objects.filter(pledge=pledge).values_list("evaluator_id", flat=True))
    assigned = set(round_one.assignments.values_list("evaluator_id", flat=True))
    declared = round_one.assignments.filter(no_conflict_declared_at__isnull=False)
    requests = ExclusionRequest.objects.filter(application__program=demo.program)
    statuses = Counter(requests.values_list("status", flat=True))

    assert accepted and len(assigned - accepted) == 1
    assert declared.exists() and round_one.assignments.filter(no_conflict_declared_at__isnull=True).exists()
    assert all(not any(pledge_missing(assignment=a).values()) for a in declared.exclude(status="pending")[:20])
    assert statuses == {"accepted": 1, "refused": 1, "requested": 1}
    accepted_request = ExclusionRequest.objects.get(application__program=demo.program, status="accepted")
    assert Conflict.objects.filter(source="exclusion", startup=accepted_request.application.startup).exists()
