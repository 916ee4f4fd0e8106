"""The API for accepting or declining a seat and reviewing agreement files: the same services as the pages."""

import pytest

from matching.models import AgreementDocument, SelectionEntry
from matching.services.acceptance import agreement_document_upload, selection_accept
from tests import factories
from tests.matching.test_acceptance import member_of, pdf
from tests.matching.test_selection import entry_of, finalised_program

pytestmark = pytest.mark.django_db

P = SelectionEntry.Acceptance
G = SelectionEntry.Agreement
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_member_accepts_the_seat_through_the_api_and_gets_its_state(key_client):
    program, applications = finalised_program()
    client = key_client(member_of(applications[0]))

    response = client.post(f"/api/v1/applications/{applications[0].pk}/accept/")

    assert response.status_code == 200
    assert (response.json()["acceptance"], response.json()["agreement"]) == (P.ACCEPTED, G.APPROVED)


def test_accepting_twice_is_a_conflict_with_its_code(key_client):
    program, applications = finalised_program()
    client = key_client(member_of(applications[0]))
    client.post(f"/api/v1/applications/{applications[0].pk}/accept/")

    response = client.post(f"/api/v1/applications/{applications[0].pk}/accept/")

    assert (response.status_code, response.json()["code"]) == (409, "already_answered")


def test_a_decline_needs_a_reason_and_then_releases_the_seat(key_client):
    program, applications = finalised_program()
    client = key_client(member_of(applications[0]))
    url = f"/api/v1/applications/{applications[0].pk}/decline/"

    assert client.post(url, {}, format="json").status_code == 400
    response = client.post(url, {"reason": "Closed a round elsewhere"}, format="json")

    assert response.json()["acceptance"] == P.DECLINED
    assert entry_of(applications[2]).outcome == SelectionEntry.Outcome.SELECTED


def test_another_startups_seat_is_not_found(key_client):
    program, applications = finalised_program()

    response = key_client(member_of(applications[1])).post(f"/api/v1/applications/{applications[0].pk}/accept/")

    assert response.status_code == 404
    assert entry_of(applications[0]).acceptance == P.PENDING


def test_the_selection_payload_carries_the_acceptance_and_agreement_state(staff_api):
    program, applications = finalised_program()

    rows = staff_api.get(f"/api/v1/selection/?program={program.pk}").json()
    rows = rows.get("results", rows)

    assert {row["acceptance"] for row in rows if row["outcome"] == "selected"} == {P.PENDING}


def _document(program, applications):
    factories.AgreementRequirementFactory(program=program)
    selection_accept(entry=entry_of(applications[0]), by=member_of(applications[0]))
    requirement = program.agreement_requirements.get()
    return agreement_document_upload(
        entry=entry_of(applications[0]), requirement=requirement, upload=pdf(), by=member_of(applications[0])
    )


def test_staff_approve_an_agreement_file_through_the_api(staff_api):
    program, applications = finalised_program()
    document = _document(program, applications)

    response = staff_api.post(f"/api/v1/agreement-documents/{document.pk}/approve/", {}, format="json")

    assert response.json()["status"] == AgreementDocument.Status.APPROVED
    assert entry_of(applications[0]).agreement == G.APPROVED


def test_a_return_without_a_comment_is_refused_and_a_member_cannot_review(staff_api, key_client):
    program, applications = finalised_program()
    document = _document(program, applications)
    url = f"/api/v1/agreement-documents/{document.pk}/return/"

    assert staff_api.post(url, {"comment": ""}, format="json").json()["code"] == "comment_required"
    assert key_client(member_of(applications[0])).post(url, {"comment": "x"}, format="json").status_code == 403


def test_members_list_only_their_own_agreement_files(key_client):
    program, applications = finalised_program()
    _document(program, applications)

    own = key_client(member_of(applications[0])).get("/api/v1/agreement-documents/").json()
    other = key_client(member_of(applications[1])).get("/api/v1/agreement-documents/").json()

    assert (own["count"], other["count"]) == (1, 0)


def test_a_member_uploads_an_agreement_document_through_the_api_and_a_png_for_a_pdf_is_refused(key_client):
    program, applications = finalised_program()
    requirement = factories.AgreementRequirementFactory(program=program, label_en="Signed agreement")
    member = member_of(applications[0])
    selection_accept(entry=entry_of(applications[0]), by=member)
    client = key_client(member)
    url = f"/api/v1/applications/{applications[0].pk}/agreement-documents/"

    refused = client.post(
        url, {"requirement": requirement.pk, "file": pdf(name="x.pdf", content=PNG)}, format="multipart"
    )
    uploaded = client.post(url, {"requirement": requirement.pk, "file": pdf()}, format="multipart")

    assert (refused.status_code, refused.json()["code"]) == (409, "file_type_refused")
    assert uploaded.status_code == 201
    assert entry_of(applications[0]).agreement == G.UNDER_REVIEW
