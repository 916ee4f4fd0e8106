import pytest

from tests.factories import EmailAddressFactory, UserFactory

pytestmark = pytest.mark.django_db

ANONYMOUS_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
]
SIGNED_IN_PAGES = ["/accounts/password/change/", "/accounts/email/", "/accounts/logout/"]


@pytest.mark.parametrize("path", ANONYMOUS_PAGES)
def test_every_account_page_uses_the_site_layout(client, path):
    response = client.get(path)

    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]
    assert b'class="skip-link"' in response.content
    assert b'id="main"' in response.content


@pytest.mark.parametrize("path", SIGNED_IN_PAGES)
def test_every_signed_in_account_page_uses_the_site_layout(client, path):
    client.force_login(EmailAddressFactory().user)

    response = client.get(path)

    assert response.status_code == 200
    assert "base.html" in [t.name for t in response.templates]


def test_account_pages_are_in_korean_by_default(client):
    response = client.get("/accounts/login/")

    assert response.headers["Content-Language"] == "ko"
    assert b'<html lang="ko">' in response.content
    assert "로그인" in response.content.decode()


def test_account_pages_are_in_english_after_switching(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})

    response = client.get("/accounts/login/")

    assert response.headers["Content-Language"] == "en"
    assert b'<html lang="en">' in response.content
    assert b"Sign In" in response.content


def test_the_language_switcher_works_without_javascript(client):
    response = client.get("/accounts/login/")

    content = response.content.decode()
    assert 'action="/i18n/setlang/" method="post"' in content
    assert '<button type="submit" name="language" value="en"' in content
    assert '<input type="hidden" name="next" value="/accounts/login/">' in content


def test_signed_out_visitors_are_offered_log_in_and_sign_up(client):
    response = client.get("/accounts/login/")

    assert b'href="/accounts/signup/"' in response.content
    assert b'href="/accounts/login/"' in response.content


def test_signed_in_people_get_a_log_out_button_that_posts(client):
    client.force_login(UserFactory())

    response = client.get("/")

    assert b'<form action="/accounts/logout/" method="post">' in response.content
    assert b'href="/accounts/signup/"' not in response.content


def test_too_many_requests_get_a_page_in_the_site_layout(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "1/m/ip"}
    client.get("/accounts/signup/")

    client.post("/accounts/signup/", {"email": "a@example.com"})
    response = client.post("/accounts/signup/", {"email": "b@example.com"})

    assert response.status_code == 429
    assert b'class="skip-link"' in response.content
