"""API keys in the admin: created with the key shown once, revoked with a reason, never edited."""

import pytest

from api.models import ApiKey
from audit.models import AuditEvent
from tests import factories
from tests.admin.conftest import admin_url, post_action

pytestmark = pytest.mark.django_db


def test_creating_a_key_shows_it_once_and_stores_only_its_hash(staff, staff_user):
    user = factories.UserFactory(staff=True)

    response = staff.post(
        admin_url(ApiKey, "add"),
        {"name": "ministry portal", "user": user.pk, "scopes": ["programs:read", "applications:read"]},
    )

    api_key = ApiKey.objects.get()
    secret = response.context["secret"]
    assert secret.startswith(f"md_{api_key.prefix}_")
    assert secret in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert (api_key.user, api_key.created_by) == (user, staff_user)
    assert api_key.scopes == ["applications:read", "programs:read"]
    assert secret not in staff.get(admin_url(ApiKey, "change", api_key.pk)).content.decode()


def test_a_key_with_no_scope_is_refused_with_a_message(staff):
    response = staff.post(admin_url(ApiKey, "add"), {"name": "x", "user": factories.UserFactory().pk})

    assert response.status_code == 200
    assert response.context["form"].errors["scopes"]
    assert not ApiKey.objects.exists()


def test_a_partners_key_for_someone_outside_the_partner_is_refused(staff):
    partner = factories.PartnerFactory()

    response = staff.post(
        admin_url(ApiKey, "add"),
        {"name": "x", "user": factories.UserFactory().pk, "partner": partner.pk, "scopes": ["programs:read"]},
    )

    assert "is not a member of" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_revoking_asks_for_a_reason_and_records_it(staff, staff_user, key_for_admin):
    response = post_action(staff, ApiKey, "api_key_revoke", [key_for_admin])
    staff.post(response.url, {"reason": "The integration was retired."})

    key_for_admin.refresh_from_db()
    assert key_for_admin.revoked_at is not None
    event = AuditEvent.objects.get(verb="api_key_revoked")
    assert (event.actor, event.reason) == (staff_user, "The integration was retired.")


@pytest.fixture
def key_for_admin():
    from api.keys import api_key_create

    return api_key_create(name="portal", user=factories.UserFactory(), scopes=["programs:read"], by="test").api_key
