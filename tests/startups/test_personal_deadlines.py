"""Per-applicant deadlines: an extension or a correction (보완 요청) keeps one application open after
the program closed, for its applicant only."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import Program
from notifications.models import Notification
from startups.models import Application, PersonalDeadline
from startups.services import application_submit
from startups.services.deadlines import (
    correction_request,
    deadline_extend,
    effective_deadline,
    personal_deadline_counts,
    personal_deadline_in_force,
    personal_deadline_revoke,
)
from tests import factories
from tests.startups.test_application_submit import complete_draft

pytestmark = pytest.mark.django_db


def close(program_id):
    Program.objects.filter(pk=program_id).update(
        opens_at=timezone.now() - dt.timedelta(days=10), closes_at=timezone.now() - dt.timedelta(hours=1)
    )


def later(hours=24):
    return timezone.now() + dt.timedelta(hours=hours)


@pytest.fixture
def staff():
    return factories.UserFactory(staff=True)


def test_an_extended_draft_can_be_submitted_after_the_program_closed(staff):
    application, founder = complete_draft()
    close(application.program_id)
    deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)

    submitted = application_submit(application_id=application.pk, by=founder, consent_given=True)

    assert submitted.status == Application.Status.SUBMITTED


def test_another_applicant_of_the_closed_program_is_still_refused(staff):
    application, _founder = complete_draft()
    other, other_founder = complete_draft(program=application.program)
    close(application.program_id)
    deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)

    with pytest.raises(DomainError) as refused:
        application_submit(application_id=other.pk, by=other_founder, consent_given=True)

    assert refused.value.code == "deadline_passed"


def test_a_revoked_extension_no_longer_keeps_the_application_open(staff):
    application, founder = complete_draft()
    close(application.program_id)
    personal = deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)

    personal_deadline_revoke(personal_deadline=personal, by=staff, reason="잘못 부여")

    with pytest.raises(DomainError) as refused:
        application_submit(application_id=application.pk, by=founder, consent_given=True)
    assert refused.value.code == "deadline_passed"


def test_a_past_personal_deadline_is_not_in_force(staff):
    application, _founder = complete_draft()
    personal = deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)
    PersonalDeadline.objects.filter(pk=personal.pk).update(until=timezone.now() - dt.timedelta(minutes=1))

    assert personal_deadline_in_force(application) is None


def test_the_effective_deadline_is_the_personal_one_while_in_force(staff):
    application, _founder = complete_draft()
    until = later(24 * 30)
    deadline_extend(application=application, until=until, reason="접근성 지원", by=staff)

    assert effective_deadline(application) == until


def test_an_extension_ending_before_the_open_call_closes_leaves_the_programs_deadline_in_force(staff):
    application, _founder = complete_draft()
    Program.objects.filter(pk=application.program_id).update(closes_at=later(24 * 10))
    application.program.refresh_from_db()
    deadline_extend(application=application, until=later(24), reason="접근성 지원", by=staff)

    assert effective_deadline(application) == application.program.closes_at


def test_only_staff_may_extend_a_deadline():
    application, founder = complete_draft()

    with pytest.raises(DomainError) as refused:
        deadline_extend(application=application, until=later(), reason="부탁", by=founder)

    assert refused.value.code == "staff_only"
    assert not PersonalDeadline.objects.exists()


def test_a_deadline_in_the_past_is_refused(staff):
    application, _founder = complete_draft()

    with pytest.raises(DomainError) as refused:
        deadline_extend(application=application, until=later(-1), reason="서버 장애", by=staff)

    assert refused.value.code == "deadline_in_past"


def test_an_extension_needs_a_reason(staff):
    application, _founder = complete_draft()

    with pytest.raises(DomainError) as refused:
        deadline_extend(application=application, until=later(), reason="  ", by=staff)

    assert refused.value.code == "reason_required"


def test_the_extension_is_audited_and_the_members_are_told(staff):
    application, founder = complete_draft()

    deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)

    assert AuditEvent.objects.filter(verb="deadline_extended", actor=staff).exists()
    assert Notification.objects.filter(event=Notification.Event.DEADLINE_EXTENDED, recipient=founder).exists()


def test_a_correction_reopens_a_submitted_application_after_the_close_and_records_the_resubmission(staff):
    application, founder = complete_draft()
    application_submit(application_id=application.pk, by=founder, consent_given=True)
    close(application.program_id)
    personal = correction_request(
        application=application, until=later(), message="사업자등록증을 첨부해 주세요.", by=staff
    )
    Application.objects.filter(pk=application.pk).update(title="보완한 제목")

    application_submit(application_id=application.pk, by=founder, consent_given=True)

    personal.refresh_from_db()
    assert personal.resubmitted_at is not None
    assert application.submissions.count() == 2


def test_a_correction_is_refused_once_the_application_is_in_review(staff):
    application = factories.ApplicationFactory(in_review=True)

    with pytest.raises(DomainError) as refused:
        correction_request(application=application, until=later(), message="보완", by=staff)

    assert refused.value.code == "not_editable"


def test_a_correction_of_a_draft_is_refused(staff):
    application, _founder = complete_draft()

    with pytest.raises(DomainError):
        correction_request(application=application, until=later(), message="보완", by=staff)


def test_the_correction_message_goes_to_the_members(staff):
    application = factories.ApplicationFactory(submitted=True)
    member = factories.StartupMemberFactory(startup=application.startup).user

    correction_request(application=application, until=later(), message="보완", by=staff)

    assert Notification.objects.filter(event=Notification.Event.CORRECTION_REQUESTED, recipient=member).exists()


def test_the_dashboard_counts_deadlines_in_force_and_corrections_awaiting_resubmission(staff):
    deadline_extend(application=factories.ApplicationFactory(), until=later(), reason="장애", by=staff)
    correction_request(
        application=factories.ApplicationFactory(submitted=True), until=later(), message="보완", by=staff
    )

    assert personal_deadline_counts() == {"personal_deadlines": 2, "corrections_awaiting": 1}


class TestAdmin:
    def test_the_extend_action_leads_to_a_confirmation_page_that_grants_nothing_yet(self, staff_client):
        application = factories.ApplicationFactory()

        response = staff_client.post(
            "/admin/startups/application/",
            {"action": "personal_deadline_extension", "_selected_action": [application.pk]},
            follow=True,
        )

        assert response.status_code == 200
        assert 'name="until_0"' in response.content.decode()
        assert not PersonalDeadline.objects.exists()

    def test_posting_the_confirmation_page_extends_the_deadline(self, staff_client):
        application = factories.ApplicationFactory()
        until = timezone.localtime(later(48))

        staff_client.post(
            f"/admin/startups/application/action/personal_deadline_extension/?ids={application.pk}",
            {"until_0": until.strftime("%Y-%m-%d"), "until_1": until.strftime("%H:%M"), "reason": "서버 장애"},
        )

        assert PersonalDeadline.objects.get().kind == PersonalDeadline.Kind.EXTENSION

    def test_the_confirmation_page_marks_the_applications_the_action_would_refuse(self, staff_client):
        draft = factories.ApplicationFactory()
        submitted = factories.ApplicationFactory(submitted=True)

        html = staff_client.get(
            f"/admin/startups/application/action/personal_deadline_correction/?ids={draft.pk},{submitted.pk}"
        ).content.decode()

        assert html.count('class="consequences"') == 1  # the draft: a correction is asked only of a submission
        assert 'name="until_0"' in html

    def test_the_application_page_shows_the_personal_deadline_in_force(self, staff_client, staff_user):
        application = factories.ApplicationFactory(submitted=True)
        correction_request(application=application, until=later(), message="사업자등록증 보완", by=staff_user)

        html = staff_client.get(f"/admin/startups/application/{application.pk}/change/").content.decode()

        assert "사업자등록증 보완" in html


class TestApplicantPages:
    def test_the_correction_message_is_shown_on_the_application_page(self, client, staff):
        application = factories.ApplicationFactory(submitted=True)
        founder = factories.StartupMemberFactory(startup=application.startup).user
        correction_request(application=application, until=later(), message="사업자등록증을 첨부해 주세요.", by=staff)
        client.force_login(founder)

        html = client.get(f"/applications/{application.pk}/").content.decode()

        assert "사업자등록증을 첨부해 주세요." in html

    def test_the_edit_page_of_an_extended_application_opens_after_the_close(self, client, staff):
        application, founder = complete_draft()
        close(application.program_id)
        deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)
        client.force_login(founder)

        response = client.get(f"/applications/{application.pk}/edit/")

        assert response.status_code == 200
        assert "서버 장애" in response.content.decode()
        assert 'class="alert alert--warning" role="status"' not in response.content.decode()  # no refusal


    def test_the_deadline_bar_of_an_extended_application_shows_its_own_deadline_not_closed(self, client, staff):
        application, founder = complete_draft()
        close(application.program_id)
        extension = deadline_extend(application=application, until=later(), reason="서버 장애", by=staff)
        client.force_login(founder)

        html = client.get(f"/applications/{application.pk}/edit/").content.decode()

        assert f'<time datetime="{timezone.localtime(extension.until).isoformat()}">' in html
        assert "접수 마감" not in html and "deadline-banner--closed" not in html


def test_the_program_dashboard_links_the_applications_with_their_own_deadline(staff_client, staff_user):
    application = factories.ApplicationFactory(submitted=True)
    correction_request(application=application, until=later(), message="보완", by=staff_user)

    html = staff_client.get(reverse("admin:program_dashboard", args=[application.program_id])).content.decode()

    assert "dashboard-personal-deadlines" in html
