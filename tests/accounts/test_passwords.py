import pytest
from django.core import mail

from tests.accounts.helpers import is_logged_in, link_in_last_mail
from tests.factories import TEST_PASSWORD, EmailAddressFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def applicant(db):
    return EmailAddressFactory(user__email="applicant@example.com").user


def test_asking_for_a_password_reset_sends_a_mail_with_a_link(client, applicant):
    response = client.post("/accounts/password/reset/", {"email": "applicant@example.com"})

    assert response.status_code == 302
    assert response.url == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_the_reset_link_sets_a_new_password_that_then_logs_in(client, applicant):
    client.post("/accounts/password/reset/", {"email": "applicant@example.com"})
    key_path = link_in_last_mail("/accounts/password/reset/key/")

    form_page = client.get(key_path, follow=True)
    set_response = client.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    login = client.post("/accounts/login/", {"login": "applicant@example.com", "password": NEW_PASSWORD})

    assert set_response.status_code == 302
    assert set_response.url == "/accounts/password/reset/key/done/"
    applicant.refresh_from_db()
    assert applicant.check_password(NEW_PASSWORD)
    assert login.status_code == 302
    assert is_logged_in(client)


def test_a_signed_in_applicant_changes_their_password(client, applicant):
    client.force_login(applicant)

    response = client.post(
        "/accounts/password/change/",
        {"oldpassword": TEST_PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.check_password(NEW_PASSWORD)
