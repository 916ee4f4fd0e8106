"""The staff home (programs by stage) and a program's dashboard: who may open them, that their numbers
are the numbers the lists and exports give, the reminder button, the CSV downloads, the SVG charts, and
that the queries do not grow with the program."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from matching.dashboard import selectors
from matching.exports import selection_rows
from matching.models import Assignment, EvaluationRound, Program, RoundResult, SelectionEntry
from matching.services.reminders import round_evaluators_remind
from notifications.models import Notification, WebhookDelivery
from startups.models import Application
from tests import factories as f
from tests.admin.conftest import admin_url, messages_of
from tests.core.test_charts import parse_svg
from tests.reviews import submitted_review_of

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
A = Application.Status


def dashboard_url(program) -> str:
    return reverse("admin:program_dashboard", args=[program.pk])


def csv_url(program, chart: str) -> str:
    return reverse("admin:program_dashboard_csv", args=[program.pk, chart])


def remind_url(program, evaluation_round) -> str:
    return reverse("admin:round_remind", args=[program.pk, evaluation_round.pk])


class World:
    """An open program with two tracks, a round being scored and one whose results are computed, a
    selection with a match, and `size` applications of every kind in each track."""

    def __init__(self, size: int = 1):
        self.program = f.ProgramFactory(open=True)
        self.tracks = [
            f.TrackFactory(program=self.program, code="api", name_ko="API 트랙", name_en="API track", order=1),
            f.TrackFactory(program=self.program, code="collab", name_ko="협업 트랙", name_en="Collaboration", order=2),
        ]
        self.first = f.EvaluationRoundFactory(
            program=self.program, order=1, status=EvaluationRound.Status.RESULTS_COMPUTED
        )
        self.second = f.EvaluationRoundFactory(
            program=self.program, order=2, name_ko="대면평가", name_en="Pitch", status=EvaluationRound.Status.SCORING
        )
        self.criteria = [
            f.CriterionFactory(round=self.second, weight=Decimal("60"), max_score=Decimal("10"), order=1),
            f.CriterionFactory(round=self.second, weight=Decimal("40"), max_score=Decimal("10"), order=2),
        ]
        self.evaluators = [f.EvaluatorFactory(user__name=name) for name in ("김평가", "이심사", "박검토")]
        self.partner = f.PartnerFactory()
        self.add(size)

    def add(self, size: int) -> None:
        for track in self.tracks:
            for _ in range(size):
                self._add_one(track)

    def _add_one(self, track) -> None:
        program = self.program
        f.ApplicationFactory(program=program, track=track)  # a draft
        f.ApplicationFactory(program=program, track=track, status=A.WITHDRAWN)  # withdrawn before submitting
        submitted = {"program": program, "track": track, "submitted": True}
        f.ApplicationFactory(**submitted)
        f.ApplicationFactory(**{**submitted, "status": A.INELIGIBLE})
        f.ApplicationFactory(**{**submitted, "status": A.WITHDRAWN})
        advanced = f.ApplicationFactory(**{**submitted, "status": A.ADVANCED})
        held_back = f.ApplicationFactory(**{**submitted, "status": A.IN_REVIEW})
        f.RoundResultFactory(round=self.first, application=advanced, advanced=True)
        f.RoundResultFactory(round=self.first, application=held_back, advanced=False)
        selected = f.ApplicationFactory(**{**submitted, "status": A.SELECTED})
        matched = f.ApplicationFactory(**{**submitted, "status": A.SELECTED})
        reserve = f.ApplicationFactory(**{**submitted, "status": A.RESERVE})
        f.SelectionEntryFactory(program=program, application=selected)
        f.SelectionEntryFactory(program=program, application=matched, partner=self.partner)
        f.SelectionEntryFactory(program=program, application=reserve, outcome=SelectionEntry.Outcome.RESERVE)
        # The second round: the advanced application, reviewed by two of three, the third recused.
        high, low, recused = self.evaluators
        scored = f.AssignmentFactory(round=self.second, application=advanced, evaluator=high)
        submitted_review_of(scored, {self.criteria[0]: "9", self.criteria[1]: "8"})
        scored = f.AssignmentFactory(round=self.second, application=advanced, evaluator=low)
        submitted_review_of(scored, {self.criteria[0]: "3", self.criteria[1]: "4"})
        f.AssignmentFactory(round=self.second, application=held_back, evaluator=low)
        f.AssignmentFactory(
            round=self.second, application=held_back, evaluator=recused, status=Assignment.Status.RECUSED
        )


@pytest.fixture
def world():
    return World()


def result_count(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200
    return response.context["cl"].result_count


# --- access -----------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(dashboard_url(world.program))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_people_who_are_not_staff_are_refused(client, world):
    client.force_login(f.UserFactory())

    for url in (dashboard_url(world.program), csv_url(world.program, "funnel")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(remind_url(world.program, world.second))
    assert response.status_code == 302
    assert not Notification.objects.exists()


def test_staff_without_the_right_to_see_programs_are_refused(client, world):
    client.force_login(f.UserFactory(is_staff=True))

    assert client.get(dashboard_url(world.program)).status_code == 403
    assert client.get(csv_url(world.program, "funnel")).status_code == 403


def test_staff_who_may_see_programs_but_not_change_rounds_cannot_send_reminders(client, world):
    user = f.UserFactory(is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_program"))
    client.force_login(user)

    assert client.get(dashboard_url(world.program)).status_code == 200
    assert client.post(remind_url(world.program, world.second)).status_code == 403
    assert not Notification.objects.exists()


def test_staff_open_the_dashboard_from_the_program_page(staff, world):
    page = staff.get(admin_url(Program, "change", world.program.pk)).content.decode()

    assert f'href="{dashboard_url(world.program)}"' in page
    assert staff.get(dashboard_url(world.program)).status_code == 200


def test_an_unknown_program_or_chart_is_not_found(staff, world):
    assert staff.get(reverse("admin:program_dashboard", args=[world.program.pk + 99])).status_code == 404
    assert staff.get(csv_url(world.program, "nothing")).status_code == 404
    assert staff.get(csv_url(world.program, "round-9-scores")).status_code == 404


# --- the staff home ---------------------------------------------------------------------------------


def test_the_staff_home_lists_programs_by_stage_with_archived_ones_last_and_folded(staff, world):
    f.ProgramFactory(status=Program.Status.ARCHIVED, name_en="Old call")
    f.ProgramFactory(status=Program.Status.DRAFT, name_en="Next call")

    page = staff.get(reverse("admin:index")).content.decode()

    stages = [page.index(label) for label in ("In preparation", "Open for applications", "Archived")]
    assert stages == sorted(stages)
    assert re.search(r'<details class="stage stage-archived">\s*<summary[^>]*>Archived', page)
    assert page.index("Old call") > page.index("Archived")
    assert f'href="{dashboard_url(world.program)}"' in page
    # The model groups still follow the programs.
    assert page.index(admin_url(Application, "changelist")) > page.index('class="staff-home"')


def test_staff_who_may_not_see_programs_find_no_programs_on_the_home(client, world):
    client.force_login(f.UserFactory(is_staff=True))

    page = client.get(reverse("admin:index")).content.decode()

    assert 'class="staff-home"' not in page
    assert world.program.name_en not in page


def test_the_staff_home_shows_counts_the_deadline_and_the_current_round(staff, world):
    world.program.closes_at = timezone.now() + dt.timedelta(days=3)
    world.program.save(update_fields=["closes_at"])

    page = staff.get(reverse("admin:index")).content.decode()

    card = page[page.index(world.program.name_en) :]
    assert "D-3" in card
    assert "Pitch" in card
    # Four submitted reviews of six assigned: the recused ones do not count.
    assert "4 of 6 reviews submitted (66%)" in card


def test_the_staff_home_queries_do_not_grow_with_the_programs(staff, django_assert_num_queries):
    World()
    with django_assert_num_queries(INDEX_QUERIES):
        staff.get(reverse("admin:index"))
    for _ in range(4):
        World(size=3)
    with django_assert_num_queries(INDEX_QUERIES):
        staff.get(reverse("admin:index"))


# --- the funnel equals the lists --------------------------------------------------------------------


def test_the_funnel_equals_the_applications_list_per_track_and_status(staff, world):
    funnel = selectors.program_funnel(program=world.program)
    applications = admin_url(Application, "changelist")
    base = f"{applications}?program__id__exact={world.program.pk}"

    for track in world.tracks:
        in_track = f"{base}&track__id__exact={track.pk}"
        assert funnel.stage("started").by_track[track.pk] == result_count(staff, in_track)
        assert funnel.drafts_by_track[track.pk] == result_count(staff, f"{in_track}&status__exact=draft")
        eligible = sum(result_count(staff, f"{in_track}&status__exact={s}") for s in selectors.ELIGIBLE_STATUSES)
        assert funnel.stage("eligible").by_track[track.pk] == eligible
    assert funnel.stage("started").total == result_count(staff, base) == 20
    assert funnel.stage("eligible").total == 12


def test_the_funnel_submitted_count_equals_the_programs_list(staff, world):
    response = staff.get(admin_url(Program, "changelist"))
    listed = next(p for p in response.context["cl"].result_list if p.pk == world.program.pk)

    assert selectors.program_funnel(program=world.program).stage("submitted").total == listed.submitted_count == 16


def test_the_funnel_advanced_count_equals_the_results_list(staff, world):
    funnel = selectors.program_funnel(program=world.program)
    results = f"{admin_url(RoundResult, 'changelist')}?round__id__exact={world.first.pk}&advanced__exact=1"

    assert funnel.stage("round-1").total == result_count(staff, results) == 2
    assert funnel.stage("round-2").total is None  # no results computed yet: not zero, unknown


def test_the_funnel_selection_equals_the_selection_export(world):
    funnel = selectors.program_funnel(program=world.program)
    rows = selection_rows(SelectionEntry.objects.filter(program=world.program))
    selected = [row for row in rows if row[1] == SelectionEntry.Outcome.SELECTED.label]

    assert funnel.stage("selected").total == len(selected) == 4
    assert funnel.stage("reserve").total == sum(1 for row in rows if row[1] == SelectionEntry.Outcome.RESERVE.label)
    assert funnel.stage("matched").total == sum(1 for row in selected if row[8]) == 2


def test_the_dashboard_shows_the_funnel_per_track(staff, world):
    page = staff.get(dashboard_url(world.program)).content.decode()

    table = page[page.index('id="chart-funnel"') :]
    assert "API track" in table and "Collaboration" in table
    assert "<caption>Funnel: from applications started to matched</caption>" in table


def test_applications_without_a_track_have_a_column_of_their_own():
    program = f.ProgramFactory(open=True)
    f.ApplicationFactory(program=program, track=None, submitted=True)

    funnel = selectors.program_funnel(program=program)

    assert [pk for pk, _name in funnel.tracks] == [None]
    assert funnel.stage("submitted").by_track == {None: 1}


def test_a_new_program_without_applications_or_rounds_has_a_dashboard(staff):
    program = f.ProgramFactory()

    response = staff.get(dashboard_url(program))

    assert response.status_code == 200
    assert response.context["funnel"].rows[0][-1] == 0
    assert staff.get(csv_url(program, "submissions")).status_code == 200


# --- scoring progress equals the rounds list --------------------------------------------------------


def test_scoring_progress_equals_the_rounds_list_column(staff, world):
    response = staff.get(f"{admin_url(EvaluationRound, 'changelist')}?program__id__exact={world.program.pk}")
    listed = next(r for r in response.context["cl"].result_list if r.pk == world.second.pk)
    progress = selectors.round_progress(round=world.second)

    assert (progress.submitted, progress.assigned) == (listed.submitted_count, listed.assignment_count) == (4, 6)
    assert [(e.name, e.owing) for e in progress.behind] == [("이심사", 2)]


def test_each_evaluators_mean_and_spread_stand_beside_the_rounds(world):
    leniency = selectors.evaluator_leniency(round=world.second)

    # Totals: 100·(0.6·0.9 + 0.4·0.8) = 86 and 100·(0.6·0.3 + 0.4·0.4) = 34, one review each per track.
    assert [(e.name, round(e.mean, 2), e.spread) for e in leniency.evaluators] == [("김평가", 86, 0), ("이심사", 34, 0)]
    assert (leniency.reviews, leniency.mean, leniency.spread) == (4, 60, 26)
    assert leniency.histogram == [0, 0, 0, 2, 0, 0, 0, 0, 2, 0]
    assert leniency.disagreements == 2  # 86 − 34 > 25, for the advanced application of each track


def test_the_disagreement_count_is_the_number_of_results_the_results_list_flags(world):
    from matching.selectors import disagreement_spread, result_review_spreads

    applications = set(Assignment.objects.filter(round=world.second).values_list("application_id", flat=True))
    results = [f.RoundResultFactory(round=world.second, application_id=pk) for pk in sorted(applications)]
    flagged = [spread for spread in result_review_spreads(results=results).values() if spread > disagreement_spread()]

    assert selectors.evaluator_leniency(round=world.second).disagreements == len(flagged) == 2


# --- submissions per day ----------------------------------------------------------------------------


def test_submissions_per_day_count_first_submissions_by_the_programs_calendar():
    program = f.ProgramFactory(
        open=True,
        opens_at=dt.datetime(2026, 12, 1, 9, tzinfo=SEOUL),
        closes_at=dt.datetime(2026, 12, 8, 18, tzinfo=SEOUL),
    )
    track = f.TrackFactory(program=program)
    for moment in (
        dt.datetime(2026, 12, 1, 10, tzinfo=SEOUL),
        dt.datetime(2026, 12, 3, 9, tzinfo=SEOUL),
        dt.datetime(2026, 12, 3, 23, 59, tzinfo=SEOUL),
        dt.datetime(2026, 12, 4, 8, tzinfo=SEOUL),  # still 3 December in UTC
    ):
        f.ApplicationFactory(program=program, track=track, submitted=True, first_submitted_at=moment)
    f.ApplicationFactory(program=program, track=track)  # a draft is not a submission

    per_day = selectors.submissions_per_day(program=program, now=dt.datetime(2026, 12, 5, 12, tzinfo=SEOUL))

    assert [(d.day.day, d.new, d.total) for d in per_day.days] == [
        (1, 1, 1),
        (2, 0, 1),
        (3, 2, 3),
        (4, 1, 4),
        (5, 0, 4),
        (6, None, None),
        (7, None, None),
        (8, None, None),
    ]
    assert per_day.deadline_day == dt.date(2026, 12, 8)
    assert per_day.days_left == 3


def test_the_dashboard_gives_drafts_with_the_days_to_the_deadline(staff, world):
    world.program.closes_at = timezone.now() + dt.timedelta(days=5)
    world.program.save(update_fields=["closes_at"])

    page = staff.get(dashboard_url(world.program)).content.decode()

    assert "2 drafts not yet submitted" in page
    assert "D-5" in page
    assert f"program__id__exact={world.program.pk}&amp;status__exact=draft" in page


# --- reminders --------------------------------------------------------------------------------------


def test_remind_queues_the_review_reminder_only_to_evaluators_owing_reviews(staff, world, staff_user):
    with_owing_review = world.evaluators[1].user

    response = staff.post(remind_url(world.program, world.second))

    assert response.status_code == 302
    assert response["Location"].endswith(f"{dashboard_url(world.program)}#round-2")
    sent = Notification.objects.get()
    assert (sent.event, sent.recipient, sent.program) == (
        Notification.Event.REVIEW_REMINDER,
        with_owing_review,
        world.program,
    )
    today = timezone.localtime(timezone.now(), SEOUL).date().isoformat()
    assert sent.idempotency_key.endswith(f":manual-{today}")
    assert 1 <= sent.context["hours"] <= 6 * 24
    event = AuditEvent.objects.get(verb="review_reminders_sent")
    assert (event.actor, event.object_id, event.data["evaluators"]) == (staff_user, str(world.second.pk), 1)
    assert messages_of(response)[0][0] == "success"


def test_a_second_remind_the_same_day_queues_nothing_and_says_so(staff, world):
    staff.post(remind_url(world.program, world.second))

    response = staff.post(remind_url(world.program, world.second))

    assert Notification.objects.count() == 1
    assert AuditEvent.objects.filter(verb="review_reminders_sent").count() == 1
    assert messages_of(response)[-1] == (
        "info",
        "Everyone owing reviews in Pitch has already been reminded today; nothing was queued.",
    )


def test_a_remind_the_next_day_queues_again(world, staff_user):
    now = timezone.now()

    assert round_evaluators_remind(round=world.second, by=staff_user, now=now) == 1
    assert round_evaluators_remind(round=world.second, by=staff_user, now=now) == 0
    assert round_evaluators_remind(round=world.second, by=staff_user, now=now + dt.timedelta(days=1)) == 1
    assert Notification.objects.count() == 2


def test_remind_reaches_only_evaluators_still_owing_once_each(world, staff_user):
    World.add(world, 3)  # the same evaluator owes several reviews

    assert round_evaluators_remind(round=world.second, by=staff_user, now=timezone.now()) == 1


def test_remind_in_a_round_not_open_for_scoring_is_refused(staff, world):
    response = staff.post(remind_url(world.program, world.first))

    assert not Notification.objects.exists()
    assert messages_of(response) == [("error", "Only evaluators of a round open for scoring can be reminded.")]


def test_remind_takes_no_get(staff, world):
    assert staff.get(remind_url(world.program, world.second)).status_code == 405
    assert not Notification.objects.exists()


def test_the_remind_button_asks_for_a_csrf_token(client, world, staff_user):
    from django.test import Client

    careful = Client(enforce_csrf_checks=True)
    careful.force_login(staff_user)

    assert careful.post(remind_url(world.program, world.second)).status_code == 403
    page = careful.get(dashboard_url(world.program)).content.decode()
    assert 'name="csrfmiddlewaretoken"' in page[page.index('class="dashboard-remind"') :]


# --- the outbox and webhooks ------------------------------------------------------------------------


def test_delivery_health_counts_the_last_day_and_links_to_the_failures(staff, world):
    f.NotificationFactory(program=world.program, status=Notification.Status.FAILED)
    f.NotificationFactory(program=world.program, status=Notification.Status.SENT, sent_at=timezone.now())
    f.NotificationFactory(program=world.program)
    old = f.NotificationFactory(program=world.program, status=Notification.Status.FAILED)
    Notification.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=2))
    f.WebhookDeliveryFactory(status=WebhookDelivery.Status.FAILED)

    response = staff.get(dashboard_url(world.program))
    health = response.context["health"]

    assert health.messages == {"queued": 1, "sent": 1, "failed": 1, "cancelled": 0}
    assert health.webhooks == {"queued": 0, "delivered": 0, "failed": 1}
    failed_messages = response.context["failed_messages_url"]
    assert result_count(staff, failed_messages) == 1
    assert result_count(staff, response.context["failed_webhooks_url"]) == 1


# --- CSV ----------------------------------------------------------------------------------------------


def test_a_charts_csv_has_a_byte_order_mark_and_the_tables_labels(staff, world):
    dashboard = staff.get(dashboard_url(world.program))
    response = staff.get(csv_url(world.program, "funnel"))

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == dashboard.context["funnel"].header == ["stage", "API track", "Collaboration", "all tracks"]
    assert rows[1] == ["Applications started", "10", "10", "20"]
    assert rows[-1] == ["Matched", "1", "1", "2"]


def test_the_korean_csv_reads_in_korean(client, staff_user, world):
    client.force_login(staff_user)
    client.cookies["django_language"] = "ko"

    content = client.get(csv_url(world.program, "round-2-evaluators")).content.decode("utf-8-sig")

    header, *rows = list(csv.reader(io.StringIO(content)))
    assert header[0] == "평가위원"
    assert rows[0][:3] == ["김평가", "2", "86.00"]


@pytest.mark.parametrize("chart", ["funnel", "submissions", "round-1-scores", "round-2-scores", "round-2-evaluators"])
def test_every_chart_has_a_csv(staff, world, chart):
    response = staff.get(csv_url(world.program, chart))

    assert response.status_code == 200
    assert response.content.startswith(b"\xef\xbb\xbf")


# --- the charts on the page ---------------------------------------------------------------------------


def test_the_dashboards_charts_are_well_formed_svg_without_scripts_or_styles(staff, world):
    page = staff.get(dashboard_url(world.program)).content.decode()

    drawings = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart .*?</svg>', page, flags=re.S)
    assert len(drawings) == 4  # the funnel, submissions, and two for each round with reviews (the second)
    for drawing in drawings:
        root = parse_svg(drawing)
        assert root.get("role") == "img"
        assert root.find("{http://www.w3.org/2000/svg}title").text
        for element in root.iter():
            assert not element.tag.endswith("script")
            assert "style" not in element.attrib
    assert "<script>" not in page[page.index('id="content-main"') :]


# --- queries --------------------------------------------------------------------------------------------


def test_the_dashboard_queries_do_not_grow_with_the_program(staff, django_assert_num_queries):
    world = World(size=1)
    staff.get(dashboard_url(world.program))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        staff.get(dashboard_url(world.program))
    world.add(6)
    for _ in range(5):
        f.EvaluatorFactory()
    with django_assert_num_queries(DASHBOARD_QUERIES):
        staff.get(dashboard_url(world.program))


def test_the_selectors_query_counts_do_not_grow(django_assert_num_queries):
    world = World(size=1)
    for size in (1, 8):
        if size > 1:
            world.add(size)
        with django_assert_num_queries(5):
            selectors.program_funnel(program=world.program)
        with django_assert_num_queries(1):
            selectors.submissions_per_day(program=world.program)
        with django_assert_num_queries(1):
            selectors.round_progress(round=world.second)
        with django_assert_num_queries(2):
            selectors.evaluator_leniency(round=world.second)
        with django_assert_num_queries(2):
            selectors.delivery_health(since=timezone.now() - dt.timedelta(days=1), program=world.program)
        with django_assert_num_queries(2):
            selectors.programs_by_stage(now=timezone.now())


# Session, user and program (3), the funnel (5), submissions per day (1), the rounds (1), per round its
# progress (1) and leniency (1 without reviews, 2 with: 5 for the two rounds), delivery health (2),
# personal deadlines in force (1), bonus evidence counts (1), appeal counts (1), seat and agreement counts (1).
DASHBOARD_QUERIES = 21
# Session and user, the programs and their rounds, the admin's own recent actions.
INDEX_QUERIES = 5
