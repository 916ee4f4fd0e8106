"""Admin actions change state only through the services, by the staff member who chose them."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEvent
from matching.models import EvaluationRound, Program
from startups.models import Application
from tests import factories
from tests.admin.conftest import admin_url, confirm_action, messages_of, post_action

pytestmark = pytest.mark.django_db

MARK_INELIGIBLE_URL = reverse(
    "admin:startups_application_reason_action", kwargs={"action": "application_mark_ineligible"}
)


def audit_events_of(obj) -> list[AuditEvent]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(AuditEvent.objects.filter(content_type=content_type, object_id=str(obj.pk)))


def test_opening_a_draft_program_with_a_track_opens_it_and_records_who_did_it(staff, staff_user):
    program = factories.ProgramFactory()
    factories.TrackFactory(program=program)
    factories.PrivacyStatementFactory(program=program)

    response = post_action(staff, Program, "program_open", [program])

    program.refresh_from_db()
    assert program.status == Program.Status.OPEN
    [event] = audit_events_of(program)
    assert (event.actor, event.from_state, event.to_state) == (staff_user, "draft", "open")
    assert messages_of(response) == [("success", f"Opened for applications: {program}")]


def test_opening_a_program_without_tracks_leaves_it_in_draft_and_shows_why(staff):
    program = factories.ProgramFactory()

    response = post_action(staff, Program, "program_open", [program])

    program.refresh_from_db()
    assert program.status == Program.Status.DRAFT
    assert audit_events_of(program) == []
    assert messages_of(response) == [("error", f"{program}: Add at least one track before opening the program.")]


def test_an_action_on_several_programs_reports_each_refusal_and_applies_the_rest(staff):
    ready = factories.TrackFactory().program
    factories.PrivacyStatementFactory(program=ready)
    without_tracks = factories.ProgramFactory()

    response = post_action(staff, Program, "program_open", [ready, without_tracks])

    ready.refresh_from_db()
    without_tracks.refresh_from_db()
    assert (ready.status, without_tracks.status) == (Program.Status.OPEN, Program.Status.DRAFT)
    assert [level for level, _ in messages_of(response)] == ["error", "success"]


def test_starting_the_review_puts_submitted_applications_in_review(staff):
    program = factories.ProgramFactory(status=Program.Status.CLOSED)
    application = factories.ApplicationFactory(program=program, submitted=True)

    post_action(staff, Program, "program_start_review", [program])

    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW


def test_reopening_a_program_asks_for_a_reason_and_records_it(staff):
    program = factories.ProgramFactory(status=Program.Status.CLOSED)

    to_reason_page = post_action(staff, Program, "program_reopen", [program])
    staff.post(to_reason_page["Location"], {"reason": "마감 연장 공지"})

    program.refresh_from_db()
    assert program.status == Program.Status.OPEN
    assert [event.reason for event in audit_events_of(program)] == ["마감 연장 공지"]


def test_starting_assignment_of_a_round_without_criteria_keeps_it_in_setup_and_shows_why(staff):
    round_ = factories.EvaluationRoundFactory()

    response = post_action(staff, EvaluationRound, "round_start_assigning", [round_])

    round_.refresh_from_db()
    assert round_.status == EvaluationRound.Status.SETUP
    assert messages_of(response) == [("error", f"{round_}: Add at least one criterion before assigning evaluators.")]


def test_closing_a_round_that_is_scoring_closes_it(staff, staff_user):
    round_ = factories.EvaluationRoundFactory(status=EvaluationRound.Status.SCORING)

    confirm_action(staff, EvaluationRound, "round_close", [round_])

    round_.refresh_from_db()
    assert round_.status == EvaluationRound.Status.CLOSED
    assert [event.actor for event in audit_events_of(round_)] == [staff_user]


def test_withdrawing_an_application_withdraws_it(staff):
    application = factories.ApplicationFactory(submitted=True)

    confirm_action(staff, Application, "application_withdraw", [application])

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN


def test_choosing_mark_ineligible_leads_to_the_reason_page_and_changes_nothing_yet(staff):
    application = factories.ApplicationFactory(in_review=True)

    response = post_action(staff, Application, "application_mark_ineligible", [application])

    assert response.status_code == 302
    assert response["Location"].startswith(f"{MARK_INELIGIBLE_URL}?ids={application.pk}")
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW


def test_reason_page_shows_a_reason_form_and_lists_the_selected_applications(staff):
    application = factories.ApplicationFactory(in_review=True)

    response = staff.get(f"{MARK_INELIGIBLE_URL}?ids={application.pk}")

    assert response.status_code == 200
    assert "reason" in response.context["form"].fields
    assert application.receipt_number in response.content.decode()
    assert 'name="reason"' in response.content.decode()


def test_marking_ineligible_with_a_reason_excludes_the_application_and_records_the_reason(staff, staff_user):
    application = factories.ApplicationFactory(in_review=True)

    response = staff.post(f"{MARK_INELIGIBLE_URL}?ids={application.pk}", {"reason": "타 부처 사업 기수혜"})

    assert response.status_code == 302
    assert response["Location"] == admin_url(Application, "changelist")
    application.refresh_from_db()
    assert application.status == Application.Status.INELIGIBLE
    assert application.ineligible_reasons == ["타 부처 사업 기수혜"]
    [event] = audit_events_of(application)
    assert (event.actor, event.to_state, event.reason) == (staff_user, "ineligible", "타 부처 사업 기수혜")


def test_marking_ineligible_without_a_reason_shows_the_form_again_and_changes_nothing(staff):
    application = factories.ApplicationFactory(in_review=True)

    response = staff.post(f"{MARK_INELIGIBLE_URL}?ids={application.pk}", {"reason": "   "})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW
    assert audit_events_of(application) == []


def test_a_refused_reason_action_reports_the_application_and_the_rule(staff):
    application = factories.ApplicationFactory(status=Application.Status.WITHDRAWN)

    response = staff.post(f"{MARK_INELIGIBLE_URL}?ids={application.pk}", {"reason": "중복 지원"})

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    [(level, text)] = messages_of(response)
    assert level == "error"
    assert text.startswith(f"{application}: ")


def test_reason_page_returns_to_the_filtered_changelist_it_came_from(staff):
    application = factories.ApplicationFactory(in_review=True)
    changelist = f"{admin_url(Application, 'changelist')}?status__exact=in_review"

    to_reason_page = staff.post(
        changelist,
        {"action": "application_mark_ineligible", "_selected_action": [application.pk], "index": 0},
    )
    response = staff.post(to_reason_page["Location"], {"reason": "확인 필요"})

    assert response["Location"] == changelist


def test_reason_page_of_an_action_without_a_reason_step_does_not_exist(staff):
    program = factories.TrackFactory().program
    url = reverse("admin:matching_program_reason_action", kwargs={"action": "program_open"})

    response = staff.get(f"{url}?ids={program.pk}")

    assert response.status_code == 404


def test_reason_page_is_closed_to_visitors(client):
    application = factories.ApplicationFactory(in_review=True)

    response = client.post(f"{MARK_INELIGIBLE_URL}?ids={application.pk}", {"reason": "x"})

    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW


def test_staff_who_may_only_view_applications_cannot_mark_them_ineligible(client):
    from django.contrib.auth.models import Permission

    viewer = factories.UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_application"))
    client.force_login(viewer)
    application = factories.ApplicationFactory(in_review=True)

    response = client.post(f"{MARK_INELIGIBLE_URL}?ids={application.pk}", {"reason": "권한 없음"})

    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW


def test_assigning_evaluators_from_the_admin_gives_every_application_its_evaluators(
    staff, django_capture_on_commit_callbacks
):
    evaluation_round = factories.EvaluationRoundFactory(
        status=EvaluationRound.Status.ASSIGNING, evaluators_per_application=2
    )
    evaluation_round.evaluators.add(*[factories.EvaluatorFactory() for _ in range(3)])
    factories.ApplicationFactory.create_batch(3, program=evaluation_round.program, in_review=True)

    with django_capture_on_commit_callbacks(execute=True):
        post_action(staff, EvaluationRound, "round_assign_evaluators", [evaluation_round])

    assert evaluation_round.assignments.count() == 6


def test_computing_results_while_reviews_are_missing_is_refused_with_the_count(staff):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.CLOSED)
    factories.CriterionFactory(round=evaluation_round)
    factories.AssignmentFactory(round=evaluation_round)

    response = post_action(staff, EvaluationRound, "round_compute_results", [evaluation_round])

    assert any("1 assignment is not submitted" in text for _level, text in messages_of(response))
    assert not evaluation_round.results.exists()


def test_computing_with_the_reviews_submitted_writes_results_and_moves_the_round_on(
    staff, django_capture_on_commit_callbacks
):
    evaluation_round = factories.EvaluationRoundFactory(status=EvaluationRound.Status.CLOSED)
    factories.CriterionFactory(round=evaluation_round)
    factories.AssignmentFactory(round=evaluation_round)

    with django_capture_on_commit_callbacks(execute=True):
        post_action(staff, EvaluationRound, "round_compute_results_with_submitted", [evaluation_round])

    evaluation_round.refresh_from_db()
    assert evaluation_round.status == EvaluationRound.Status.RESULTS_COMPUTED
    assert evaluation_round.results.count() == 1
