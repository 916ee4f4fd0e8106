import pytest

from tests.accounts.helpers import is_logged_in
from tests.factories import TEST_PASSWORD, EmailAddressFactory, UserFactory, totp_code

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(db):
    return EmailAddressFactory(user__email="applicant@example.com").user


def test_a_confirmed_applicant_logs_in_with_e_mail_and_password(client, applicant):
    response = client.post("/accounts/login/", {"login": "Applicant@Example.com", "password": TEST_PASSWORD})

    assert response.status_code == 302
    assert response.url == "/"
    assert is_logged_in(client)


def test_a_wrong_password_is_refused_with_a_message(client, applicant):
    response = client.post(
        "/accounts/login/", {"login": "applicant@example.com", "password": "wrong"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert not is_logged_in(client)
    assert response.context["form"].non_field_errors()
    assert b'role="alert"' in response.content
    assert b"not correct" in response.content


def test_repeated_failed_logins_are_rate_limited(client, applicant):
    for _ in range(5):
        client.post("/accounts/login/", {"login": "applicant@example.com", "password": "wrong"})

    response = client.post(
        "/accounts/login/", {"login": "applicant@example.com", "password": TEST_PASSWORD}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert not is_logged_in(client)
    assert b"Too many failed sign-in attempts" in response.content


def test_logging_out_takes_a_post_and_ends_the_session(client, applicant):
    client.force_login(applicant)

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert not is_logged_in(client)


def test_staff_sign_in_through_the_site_sign_in_with_a_code_and_reach_the_admin(client):
    EmailAddressFactory(user=UserFactory(staff=True, email="staff@example.com"))

    sign_in_page = client.get("/admin/login/?next=/admin/")["Location"]
    response = client.post(sign_in_page, {"login": "staff@example.com", "password": TEST_PASSWORD})
    assert response.url == "/accounts/2fa/authenticate/"
    assert not is_logged_in(client)

    response = client.post("/accounts/2fa/authenticate/", {"code": totp_code()})

    assert response.status_code == 302
    assert response.url == "/admin/"
    assert is_logged_in(client)
    assert client.get("/admin/").status_code == 200


def test_a_page_that_needs_login_sends_people_to_the_site_login(client, settings):
    from django.shortcuts import resolve_url

    assert resolve_url(settings.LOGIN_URL) == "/accounts/login/"
