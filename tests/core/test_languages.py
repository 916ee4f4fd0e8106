import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_the_admin_speaks_korean_by_default(staff_client):
    response = staff_client.get("/admin/")

    assert response.headers["Content-Language"] == "ko"


def test_a_browser_asking_for_english_gets_english_when_signed_out(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.headers["Content-Language"] == "en"


def test_a_signed_in_person_sees_their_preferred_language(client):
    user = factories.UserFactory(staff=True, preferred_language="en")
    client.force_login(user)

    response = client.get("/admin/", HTTP_ACCEPT_LANGUAGE="ko")

    assert response.headers["Content-Language"] == "en"


def test_the_language_switcher_beats_the_preferred_language(client):
    user = factories.UserFactory(staff=True, preferred_language="en")
    client.force_login(user)

    client.post("/i18n/setlang/", {"language": "ko", "next": "/admin/"})
    response = client.get("/admin/")

    assert response.headers["Content-Language"] == "ko"


def test_every_admin_page_offers_the_language_switcher_without_javascript(staff_client):
    response = staff_client.get("/admin/")  # the admin's sign-in is the site's own page (accounts)

    assert b'id="language-switcher"' in response.content
    assert b'name="language" value="en"' in response.content
    assert b'name="language" value="ko"' in response.content


def test_the_browsers_favicon_request_is_answered(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
