import pytest

from tests.api.conftest import key_client, staff_api  # noqa: F401  (the API's clients, for the API's edits)


@pytest.fixture
def staff(staff_client):
    """The staff client, reading the admin in Korean (the default): values are recorded as staff read them."""
    staff_client.cookies["django_language"] = "ko"
    return staff_client
