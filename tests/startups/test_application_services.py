"""Service rules the applicant pages rely on: withdrawal by a member, and ids from forms that are
not ids."""

import pytest
from django.utils import translation

from audit.models import AuditEvent
from core.errors import DomainError
from matching.models import Program
from startups.models import Application
from startups.services import application_save_draft, application_withdraw_by_applicant
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft():
    program = factories.ProgramFactory(status=Program.Status.OPEN)
    founder = factories.UserFactory()
    application = factories.ApplicationFactory(program=program)
    factories.StartupMemberFactory(startup=application.startup, user=founder)
    return application, founder


def test_a_member_withdraws_the_application_and_the_reason_is_kept(draft):
    application, founder = draft

    application_withdraw_by_applicant(application=application, by=founder, reason="  사업 방향 변경 ")

    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert application.withdrawn_at is not None
    [event] = AuditEvent.objects.filter(object_id=str(application.pk), to_state=Application.Status.WITHDRAWN)
    assert event.reason == "사업 방향 변경"


def test_someone_outside_the_startup_cannot_withdraw_it(draft):
    application, _founder = draft

    with pytest.raises(DomainError) as refused:
        application_withdraw_by_applicant(application=application, by=factories.UserFactory())

    assert refused.value.code == "not_a_member"
    application.refresh_from_db()
    assert application.status == Application.Status.DRAFT


def test_a_member_whose_request_is_still_pending_cannot_withdraw(draft):
    application, _founder = draft
    waiting = factories.StartupMemberFactory(startup=application.startup, status="requested", role="member").user

    with pytest.raises(DomainError):
        application_withdraw_by_applicant(application=application, by=waiting)


def test_a_track_id_that_is_not_a_number_is_reported_and_the_rest_is_saved(draft):
    application, founder = draft

    errors = application_save_draft(application=application, by=founder, title="새 제목", track_id="api")

    application.refresh_from_db()
    assert errors == {"track": ["Choose one of the program's tracks."]}
    assert application.title == "새 제목"


def test_a_partner_id_that_is_not_a_number_is_reported(draft):
    application, founder = draft
    factories.ProgramPartnerFactory(program=application.program)

    errors = application_save_draft(application=application, by=founder, preferences=["openai"])

    assert errors == {"preferences": ["Choose among the program's partners."]}
    assert not application.partner_preferences.exists()
