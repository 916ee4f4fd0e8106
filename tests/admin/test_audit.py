"""The audit trail is read in the admin, never written there, and each stateful object links to its own."""

import pytest
from django.contrib.contenttypes.models import ContentType

from audit.models import AuditEvent
from audit.services import audit_record
from matching.models import EvaluationRound, Program
from matching.services.programs import program_open
from startups.models import Application
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(staff_user):
    return audit_record(actor=staff_user, obj=factories.ProgramFactory(), verb="status_changed", reason="원래 사유")


def test_audit_event_admin_refuses_adding(staff):
    assert staff.get(admin_url(AuditEvent, "add")).status_code == 403
    assert staff.post(admin_url(AuditEvent, "add"), {"verb": "forged"}).status_code == 403


def test_audit_event_admin_refuses_changing(staff, event):
    response = staff.post(admin_url(AuditEvent, "change", event.pk), {"reason": "고친 사유"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason == "원래 사유"


def test_audit_event_admin_refuses_deleting(staff, event):
    assert staff.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_audit_event_list_offers_no_bulk_delete(staff, event):
    response = staff.get(admin_url(AuditEvent, "changelist"))

    assert response.status_code == 200
    assert "delete_selected" not in response.content.decode()


def test_audit_events_can_be_filtered_to_one_object(staff, staff_user):
    program = factories.TrackFactory().program
    factories.PrivacyStatementFactory(program=program)
    program_open(program=program, by=staff_user)
    audit_record(actor=staff_user, obj=factories.ProgramFactory(), verb="status_changed")
    content_type = ContentType.objects.get_for_model(Program)

    response = staff.get(
        admin_url(AuditEvent, "changelist"), {"content_type__id__exact": content_type.pk, "object_id": program.pk}
    )

    assert [(e.object_id, e.to_state) for e in response.context["cl"].result_list] == [(str(program.pk), "open")]


@pytest.mark.parametrize(
    "make",
    [
        factories.ProgramFactory,
        factories.EvaluationRoundFactory,
        lambda: factories.ApplicationFactory(submitted=True),
    ],
    ids=["program", "round", "application"],
)
def test_change_page_shows_the_objects_audit_trail_and_links_to_all_of_it(staff, staff_user, make):
    obj = make()
    audit_record(actor=staff_user, obj=obj, verb="status_changed", reason="감사 추적 확인")
    content_type = ContentType.objects.get_for_model(obj)

    page = staff.get(admin_url(type(obj), "change", obj.pk)).content.decode()

    assert "감사 추적 확인" in page
    assert f"content_type__id__exact={content_type.pk}&amp;object_id={obj.pk}" in page


@pytest.mark.parametrize("model", [Program, EvaluationRound, Application], ids=lambda model: model.__name__)
def test_add_page_has_no_audit_trail_yet(staff, model):
    response = staff.get(admin_url(model, "add"))

    assert response.status_code == 200
    assert "audit_trail" not in response.context["adminform"].readonly_fields
