"""API keys (hashed, scoped, revocable, expiring) and the one shape of every error."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from api.keys import api_key_create, api_key_revoke
from api.models import ApiKey
from core.errors import DomainError
from tests import factories

pytestmark = pytest.mark.django_db
PROGRAMS = "/api/v1/programs/"


def test_a_key_is_stored_only_as_a_hash_and_shown_once(staff_user):
    issued = api_key_create(name="portal", user=staff_user, scopes=["programs:read"], by=staff_user)

    stored = ApiKey.objects.get(pk=issued.api_key.pk)
    assert issued.secret.startswith(f"md_{stored.prefix}_")
    assert issued.secret not in (stored.key_hash, stored.prefix)
    assert len(stored.key_hash) == 64


def test_a_request_with_a_valid_key_is_answered_and_the_use_recorded(key_client, staff_user):
    client = key_client(staff_user, scopes=["programs:read"])

    response = client.get(PROGRAMS)

    assert response.status_code == 200
    client.api_key.refresh_from_db()
    assert client.api_key.last_used_at is not None


def test_a_request_without_credentials_gets_401_in_the_error_shape(api_client):
    response = api_client.get(PROGRAMS)

    assert response.status_code == 401
    assert set(response.json()) == {"code", "detail", "fields"}
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize("header", ["Api-Key md_nope_nope", "Api-Key garbage", "Bearer md_1234abcd_x"])
def test_an_unknown_key_gets_401(api_client, header):
    api_client.credentials(HTTP_AUTHORIZATION=header)

    response = api_client.get(PROGRAMS)

    assert (response.status_code, response.json()["code"]) == (401, "authentication_failed")


def test_a_revoked_key_stops_working_at_once(key_client, staff_user):
    client = key_client(staff_user)
    assert client.get(PROGRAMS).status_code == 200
    api_key_revoke(api_key=client.api_key, by=staff_user)

    assert client.get(PROGRAMS).status_code == 401


def test_an_expired_key_is_refused_and_one_not_yet_expired_is_not(key_client, staff_user):
    expired = key_client(staff_user, expires_at=timezone.now() - dt.timedelta(seconds=1))
    valid = key_client(staff_user, expires_at=timezone.now() + dt.timedelta(days=1))

    assert (expired.get(PROGRAMS).status_code, valid.get(PROGRAMS).status_code) == (401, 200)


def test_a_key_of_a_deactivated_account_is_refused(key_client):
    user = factories.UserFactory(staff=True)
    client = key_client(user)
    assert client.get(PROGRAMS).status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])

    assert client.get(PROGRAMS).status_code == 401


def test_a_key_without_the_scope_gets_403(key_client, staff_user):
    client = key_client(staff_user, scopes=["applications:read"])

    response = client.get(PROGRAMS)

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")


def test_an_unknown_scope_is_refused_when_the_key_is_created(staff_user):
    with translation.override("en"), pytest.raises(DomainError, match="Unknown scopes: programs:delete"):
        api_key_create(name="x", user=staff_user, scopes=["programs:delete"], by=staff_user)


def test_a_partners_key_must_act_as_one_of_its_members(staff_user):
    partner = factories.PartnerFactory()

    with translation.override("en"), pytest.raises(DomainError, match="is not a member of"):
        api_key_create(name="x", user=staff_user, scopes=["programs:read"], partner=partner, by=staff_user)


def test_an_unknown_id_gets_404_in_the_error_shape(staff_api):
    response = staff_api.get(f"{PROGRAMS}999999/")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": response.json()["detail"], "fields": {}}


def test_the_session_of_a_signed_in_person_is_accepted(session_client):
    response = session_client(factories.UserFactory()).get(PROGRAMS)

    assert response.status_code == 200
