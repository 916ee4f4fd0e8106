import pytest
from django.core import mail

from accounts.models import User
from tests.accounts.helpers import is_logged_in, link_in_last_mail
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SIGNUP = {
    "name": "김민지",
    "email": "Minji@Example.com",
    "password1": TEST_PASSWORD,
    "password2": TEST_PASSWORD,
    "preferred_language": "en",
    "terms_consent": "on",
}


def _log_in(client, email="minji@example.com", password=TEST_PASSWORD):
    return client.post("/accounts/login/", {"login": email, "password": password})


def test_signing_up_sends_a_confirmation_mail_and_does_not_log_in(client):
    response = client.post("/accounts/signup/", SIGNUP)

    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["minji@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body
    assert not is_logged_in(client)


def test_sign_up_stores_the_name_the_language_and_a_lower_case_address(client):
    client.post("/accounts/signup/", SIGNUP)

    user = User.objects.get()
    assert (user.email, user.name, user.preferred_language) == ("minji@example.com", "김민지", "en")
    assert user.check_password(TEST_PASSWORD)


def test_an_unconfirmed_account_cannot_log_in(client):
    client.post("/accounts/signup/", SIGNUP)

    response = _log_in(client)

    assert response.status_code == 302
    assert response.url == "/accounts/confirm-email/"
    assert not is_logged_in(client)


def test_following_the_confirmation_link_confirms_the_address_and_then_login_works(client):
    client.post("/accounts/signup/", SIGNUP)
    confirm_path = link_in_last_mail("/accounts/confirm-email/")

    page = client.get(confirm_path)
    confirmed = client.post(confirm_path)
    response = _log_in(client)

    assert page.status_code == 200
    assert confirmed.status_code == 302
    assert User.objects.get().emailaddress_set.get().verified
    assert response.status_code == 302
    assert response.url == "/"
    assert is_logged_in(client)


def test_a_second_sign_up_with_the_same_address_creates_no_second_user(client):
    client.post("/accounts/signup/", SIGNUP)

    client.post("/accounts/signup/", {**SIGNUP, "email": "minji@example.com", "name": "다른 사람"})

    assert User.objects.count() == 1


def test_the_language_offered_at_sign_up_is_the_active_one(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    response = client.get("/accounts/signup/")

    assert response.context["form"]["preferred_language"].value() == "en"
    assert b'<option value="en" selected>' in response.content


def test_korean_is_offered_at_sign_up_by_default(client):
    response = client.get("/accounts/signup/")

    assert response.context["form"]["preferred_language"].value() == "ko"


def test_a_missing_name_is_shown_next_to_the_field(client):
    response = client.post("/accounts/signup/", {**SIGNUP, "name": ""})

    assert response.status_code == 200
    assert User.objects.count() == 0
    assert b'id="id_name_error"' in response.content
    assert b'aria-invalid="true"' in response.content


def test_the_confirmation_link_stands_on_a_line_of_its_own(client):
    client.post("/accounts/signup/", SIGNUP)
    confirm_path = link_in_last_mail("/accounts/confirm-email/")

    lines = mail.outbox[0].body.splitlines()

    assert any(line.startswith("http") and line.endswith(confirm_path) for line in lines)


def test_the_confirmation_mail_speaks_the_language_chosen_at_sign_up(client):
    client.post("/accounts/signup/", {**SIGNUP, "preferred_language": "en"}, HTTP_ACCEPT_LANGUAGE="ko")

    assert "Please Confirm Your Email Address" in mail.outbox[0].subject
    assert "Hello from Matchday!" in mail.outbox[0].body


def test_a_korean_applicant_gets_the_confirmation_mail_in_korean(client):
    client.post("/accounts/signup/", {**SIGNUP, "preferred_language": "ko"}, HTTP_ACCEPT_LANGUAGE="en")

    assert "이메일 주소를 확인하세요" in mail.outbox[0].subject
    assert "Matchday" in mail.outbox[0].body
