"""Only the startup's members reach its application and files; everyone else gets a plain 404."""

import pytest
from django.core.files.base import ContentFile

from startups.models import Application
from tests import factories
from tests.web.conftest import complete_form, make_founder

pytestmark = pytest.mark.django_db

GET_PAGES = [
    "/applications/{pk}/",
    "/applications/{pk}/edit/",
    "/applications/{pk}/review/",
    "/applications/{pk}/withdraw/",
]
POST_PAGES = [
    "/applications/{pk}/edit/",
    "/applications/{pk}/autosave/",
    "/applications/{pk}/submit/",
    "/applications/{pk}/withdraw/",
]


@pytest.fixture
def secret(program):
    """Another startup's application, with a file."""
    application = factories.ApplicationFactory(program=program, title="비밀 프로젝트")
    attachment = factories.AttachmentFactory(application=application, original_name="기밀 자료.pdf")
    return application, attachment


@pytest.fixture
def stranger_client(client):
    client.force_login(make_founder())
    return client


@pytest.mark.parametrize("page", GET_PAGES)
def test_another_startups_application_is_not_found_when_viewed(stranger_client, secret, page):
    application, _attachment = secret

    response = stranger_client.get(page.format(pk=application.pk))

    assert response.status_code == 404
    assert "비밀 프로젝트" not in response.content.decode()


@pytest.mark.parametrize("page", POST_PAGES)
def test_another_startups_application_is_not_found_when_posted_to(stranger_client, secret, program, page):
    application, _attachment = secret

    response = stranger_client.post(page.format(pk=application.pk), {**complete_form(program), "understood": "on"})

    assert response.status_code == 404
    application.refresh_from_db()
    assert (application.title, application.status) == ("비밀 프로젝트", Application.Status.DRAFT)


def test_another_startups_file_cannot_be_removed_through_my_own_application(founder_client, draft, secret):
    _application, attachment = secret

    response = founder_client.post(f"/applications/{draft.pk}/attachments/{attachment.pk}/remove/")

    assert response.status_code == 404
    attachment.refresh_from_db()
    assert attachment.detached_at is None


def test_another_startups_file_cannot_be_downloaded(stranger_client, secret):
    _application, attachment = secret

    response = stranger_client.get(f"/attachments/{attachment.pk}/download/")

    assert response.status_code == 404


def test_a_member_downloads_the_file_under_its_korean_name_with_safe_headers(client, secret):
    application, attachment = secret
    member = make_founder()
    factories.StartupMemberFactory(startup=application.startup, user=member)
    client.force_login(member)

    response = client.get(f"/attachments/{attachment.pk}/download/")

    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "filename*=utf-8''%EA%B8%B0%EB%B0%80%20%EC%9E%90%EB%A3%8C.pdf" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"


def test_a_file_whose_bytes_are_gone_is_not_found_rather_than_an_error(founder_client, founder, program):
    application = factories.ApplicationFactory(program=program, startup=founder.startup)
    attachment = factories.AttachmentFactory(application=application, file=ContentFile(b"%PDF", name="x.pdf"))
    attachment.file.delete(save=False)

    assert founder_client.get(f"/attachments/{attachment.pk}/download/").status_code == 404


@pytest.mark.parametrize(
    "page",
    [
        "/startup/",
        "/startup/edit/",
        "/applications/",
        "/applications/1/",
        "/applications/1/edit/",
        "/applications/1/review/",
        "/attachments/1/download/",
    ],
)
def test_every_applicant_page_asks_to_log_in_first(client, page):
    response = client.get(page)

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/?next=")


def test_a_member_whose_request_is_pending_cannot_reach_the_application(client, draft):
    waiting = make_founder()
    factories.StartupMemberFactory(startup=draft.startup, user=waiting, status="requested", role="member")
    client.force_login(waiting)

    assert client.get(f"/applications/{draft.pk}/edit/").status_code == 404
