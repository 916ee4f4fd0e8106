import pytest

from core.errors import DomainError, TransitionNotAllowed
from startups.models import Application
from startups.services import application_mark_ineligible, application_reinstate, application_withdraw
from tests import factories

pytestmark = pytest.mark.django_db


def test_marking_ineligible_keeps_the_reason_for_staff(staff_user):
    application = factories.ApplicationFactory(in_review=True)

    application_mark_ineligible(application=application, by=staff_user, reason="타 부처 사업 기수혜")

    application.refresh_from_db()
    assert application.status == Application.Status.INELIGIBLE
    assert application.ineligible_reasons == ["타 부처 사업 기수혜"]


def test_marking_ineligible_without_a_reason_is_refused_and_changes_nothing(staff_user):
    application = factories.ApplicationFactory(in_review=True)

    with pytest.raises(DomainError):
        application_mark_ineligible(application=application, by=staff_user, reason="")

    application.refresh_from_db()
    assert application.status == Application.Status.IN_REVIEW


def test_reinstating_an_excluded_application_counts_it_as_submitted_again(staff_user):
    application = factories.ApplicationFactory(in_review=True)
    application_mark_ineligible(application=application, by=staff_user, reason="확인 필요")

    application_reinstate(application=application, by=staff_user, reason="서류 보완 확인")

    application.refresh_from_db()
    assert (application.status, application.ineligible_reasons) == (Application.Status.SUBMITTED, [])


def test_withdrawing_records_the_time(staff_user):
    application = factories.ApplicationFactory(submitted=True)

    application_withdraw(application=application, by=staff_user, reason="사업 방향 변경")

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.withdrawn_at is not None


def test_a_withdrawn_application_cannot_be_withdrawn_again(staff_user):
    application = factories.ApplicationFactory(status=Application.Status.WITHDRAWN)

    with pytest.raises(TransitionNotAllowed):
        application_withdraw(application=application, by=staff_user)
