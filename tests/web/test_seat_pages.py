"""The seat section of the application status page: accept, decline, agreement uploads, downloads."""

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from matching.models import AgreementDocument, SelectionEntry
from matching.services.acceptance import agreement_document_return, selection_accept
from startups.models import Application
from tests import factories
from tests.matching.test_acceptance import PDF, PNG, member_of
from tests.matching.test_selection import entry_of, finalised_program

pytestmark = pytest.mark.django_db

P = SelectionEntry.Acceptance
G = SelectionEntry.Agreement


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def seat(client):
    program, applications = finalised_program()
    application = applications[0]
    client.force_login(member_of(application))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return program, applications, application


def detail(client, application):
    return client.get(reverse("applications:detail", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en")


def test_the_status_page_shows_the_offer_with_its_deadline_and_both_answers(client, seat):
    program, applications, application = seat

    page = detail(client, application).content.decode()

    assert "Your seat in the program" in page
    assert "Accept the seat" in page and "Decline the seat" in page
    assert "KST" in page


def test_a_reserve_sees_no_seat_section(client, seat):
    program, applications, application = seat
    client.force_login(member_of(applications[2]))

    assert "Your seat in the program" not in detail(client, applications[2]).content.decode()


def test_accepting_on_the_page_confirms_the_seat(client, seat):
    program, applications, application = seat

    response = client.post(reverse("applications:seat_accept", args=[application.pk]))

    assert response.status_code == 302
    assert entry_of(application).acceptance == P.ACCEPTED


def test_declining_without_the_confirmation_is_refused_and_keeps_the_seat(client, seat):
    program, applications, application = seat

    client.post(reverse("applications:seat_decline", args=[application.pk]), {"reason": "Too busy"})

    assert entry_of(application).acceptance == P.PENDING


def test_declining_with_a_reason_and_the_confirmation_releases_the_seat(client, seat):
    program, applications, application = seat

    client.post(reverse("applications:seat_decline", args=[application.pk]), {"reason": "Too busy", "understood": "on"})

    assert entry_of(application).acceptance == P.DECLINED
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    assert entry_of(applications[2]).outcome == SelectionEntry.Outcome.SELECTED


def test_another_startups_seat_is_not_found(client, seat):
    program, applications, application = seat

    response = client.post(reverse("applications:seat_accept", args=[applications[1].pk]))

    assert response.status_code == 404
    assert entry_of(applications[1]).acceptance == P.PENDING


def _accepted_with_requirement(program, application):
    requirement = factories.AgreementRequirementFactory(program=program, label_en="Signed agreement")
    selection_accept(entry=entry_of(application), by=member_of(application))
    return requirement


def upload_url(application, requirement):
    return reverse("applications:agreement_upload", args=[application.pk, requirement.pk])


def test_an_agreement_document_uploaded_on_the_page_is_listed_and_downloadable_by_the_member(client, seat):
    program, applications, application = seat
    requirement = _accepted_with_requirement(program, application)

    client.post(upload_url(application, requirement), {"file": SimpleUploadedFile("signed.pdf", PDF)})

    document = AgreementDocument.objects.get()
    assert "signed.pdf" in detail(client, application).content.decode()
    download = client.get(reverse("applications:agreement_download", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_the_upload_says_what_the_document_needs_and_which_files_it_takes(client, seat):
    program, applications, application = seat
    requirement = _accepted_with_requirement(program, application)
    requirement.help_en, requirement.file_types = "Sign every page.", ["pdf"]
    requirement.save()

    page = detail(client, application).content.decode()

    assert "Sign every page." in page
    assert "Accepted: PDF · up to" in page
    assert 'accept=".pdf"' in page


def test_a_refused_upload_shows_why_and_stores_nothing(client, seat):
    program, applications, application = seat
    requirement = _accepted_with_requirement(program, application)

    response = client.post(
        upload_url(application, requirement),
        {"file": SimpleUploadedFile("signed.pdf", PNG)},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert "takes only PDF" in response.content.decode()
    assert not AgreementDocument.objects.exists()


def test_a_returned_document_shows_the_staff_comment(client, seat):
    program, applications, application = seat
    requirement = _accepted_with_requirement(program, application)
    client.post(upload_url(application, requirement), {"file": SimpleUploadedFile("signed.pdf", PDF)})
    agreement_document_return(
        document=AgreementDocument.objects.get(), by=factories.UserFactory(is_staff=True), comment="Sign page 3"
    )

    assert "Sign page 3" in detail(client, application).content.decode()


def test_another_startups_agreement_file_cannot_be_downloaded(client, seat):
    program, applications, application = seat
    requirement = _accepted_with_requirement(program, application)
    client.post(upload_url(application, requirement), {"file": SimpleUploadedFile("signed.pdf", PDF)})
    client.force_login(member_of(applications[1]))

    response = client.get(reverse("applications:agreement_download", args=[AgreementDocument.objects.get().pk]))

    assert response.status_code == 404
