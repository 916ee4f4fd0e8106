"""The change history is append-only for everyone: no admin page adds, changes or deletes an event, and
on PostgreSQL the database itself refuses an UPDATE or DELETE of a row — except a redaction of personal
data through `audit_redact`, and a deleted person's id set to nothing."""

import pytest
from django.db import IntegrityError, InternalError, ProgrammingError, connection, transaction

from audit.models import AppendOnlyError, AuditEvent
from audit.services import audit_record, audit_redact
from tests import factories
from tests.admin.conftest import admin_url

pytestmark = pytest.mark.django_db

REFUSED = (InternalError, IntegrityError, ProgrammingError)


@pytest.fixture
def event():
    return audit_record(actor="system", obj=factories.ProgramFactory(), verb="created", reason="처음 만듦")


@pytest.fixture
def superuser_client(client):
    client.force_login(factories.UserFactory(staff=True, is_superuser=True))
    return client


def test_no_admin_can_change_an_event(superuser_client, event):
    response = superuser_client.post(admin_url(AuditEvent, "change", event.pk), {"reason": "고침"})

    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason == "처음 만듦"


def test_no_admin_can_delete_an_event(superuser_client, event):
    response = superuser_client.post(admin_url(AuditEvent, "delete", event.pk), {"post": "yes"})

    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_list_offers_no_delete_action(superuser_client, event):
    response = superuser_client.get(admin_url(AuditEvent, "changelist"))

    assert "delete_selected" not in response.content.decode()


def test_python_refuses_to_rewrite_an_event(event):
    event.reason = "고침"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()


def test_a_redaction_blanks_only_the_personal_fields(event):
    changed = audit_redact(events=[event], fields={"actor_label": "", "reason": ""})

    event.refresh_from_db()
    assert (changed, event.actor_label, event.reason, event.verb) == (1, "", "", "created")


def test_a_redaction_cannot_touch_the_facts(event):
    with pytest.raises(ValueError):
        audit_redact(events=[event], fields={"verb": "deleted"})


def _raw(sql: str, params: list) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_update(event):
    with pytest.raises(REFUSED, match="append-only"):
        _raw("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["고침", event.pk])

    event.refresh_from_db()
    assert event.reason == "처음 만듦"


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_delete(event):
    with pytest.raises(REFUSED, match="append-only"):
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])

    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.postgres
def test_postgresql_refuses_a_raw_update_of_personal_fields_outside_a_redaction(event):
    with pytest.raises(REFUSED, match="append-only"):
        _raw("UPDATE audit_auditevent SET actor_label = '' WHERE id = %s", [event.pk])


@pytest.mark.postgres
def test_postgresql_lets_a_redaction_through_and_guards_again_after_it(event):
    with transaction.atomic():
        audit_redact(events=[event], fields={"actor_label": "", "data": {}})
        with pytest.raises(REFUSED, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET reason = '' WHERE id = %s", [event.pk])

    event.refresh_from_db()
    assert (event.actor_label, event.reason) == ("", "처음 만듦")


@pytest.mark.postgres
def test_postgresql_lets_a_deleted_user_drop_out_of_the_events_they_made():
    user = factories.UserFactory(staff=True)
    event = audit_record(actor=user, obj=factories.ProgramFactory(), verb="created")

    user.delete()

    event.refresh_from_db()
    assert (event.actor_id, event.actor_label) == (None, user.email)
