"""Clients for the API: signed in with a session, or carrying an API key with chosen scopes."""

import pytest
from rest_framework.test import APIClient

from api.keys import api_key_create
from api.models import ApiKey

ALL_SCOPES = list(ApiKey.Scope.values)


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def key_client(db):
    """`key_client(user, scopes=ALL_SCOPES, partner=None)`: a client whose requests carry a new key."""

    def make(user, scopes=None, partner=None, **options):
        issued = api_key_create(
            name="test integration",
            user=user,
            scopes=ALL_SCOPES if scopes is None else scopes,
            partner=partner,
            by="test",
            **options,
        )
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issued.secret}")
        client.api_key = issued.api_key
        return client

    return make


@pytest.fixture
def staff_api(key_client, staff_user):
    return key_client(staff_user)


@pytest.fixture
def session_client(db):
    """`session_client(user)`: a client signed in as `user` through the session (the browser's way)."""

    def make(user):
        client = APIClient()
        client.force_login(user)
        return client

    return make
