"""Edits of people's accounts in the admin are on the record like any other: who made someone staff,
and that a password was set (never its value)."""

import pytest
from django.contrib.contenttypes.models import ContentType

from accounts.models import User
from audit.changes import MASK
from audit.models import AuditEvent
from tests import factories
from tests.admin.conftest import admin_url, change_form_data

pytestmark = pytest.mark.django_db


def changes_of(user: User) -> list[dict]:
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk), verb="changed"
    )
    return [event.data["changes"] for event in events]


def test_making_someone_staff_in_the_admin_records_the_flag_old_and_new(staff):
    person = factories.UserFactory(email="founder@example.com")
    url = admin_url(User, "change", person.pk)
    data = change_form_data(staff.get(url))
    data.update({"is_staff": "on", "_save": "1"})

    response = staff.post(url, data)

    assert response.status_code == 302
    [changes] = changes_of(person)
    assert changes["is_staff"]["from"] != changes["is_staff"]["to"]
    assert set(changes) == {"is_staff"}


def test_setting_a_password_in_the_admin_is_recorded_without_the_password(staff):
    person = factories.UserFactory(email="founder@example.com")
    url = admin_url(User, "change", person.pk).replace("/change/", "/password/")

    response = staff.post(
        url, {"password1": "a-New-pass-9431", "password2": "a-New-pass-9431", "set_usable_password": "true"}
    )

    assert response.status_code == 302
    [changes] = changes_of(person)
    assert changes["password"]["from"] == changes["password"]["to"] == MASK
    assert "a-New-pass-9431" not in str(changes)
